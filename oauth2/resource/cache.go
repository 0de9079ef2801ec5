package resource

import (
	"container/list"
	"sync"
	"time"
)

// boundedCache maps keys to values that expire, holding at most max
// entries: adding to a full cache evicts the least recently used one. It
// is the one cache of the package: introspection results and the DPoP
// replay cache both use it. It is safe for concurrent use.
type boundedCache[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used; values are *cacheEntry[V]
	index map[string]*list.Element
}

type cacheEntry[V any] struct {
	key     string
	value   V
	expires time.Time
}

func newBoundedCache[V any](max int) *boundedCache[V] {
	return &boundedCache[V]{max: max, order: list.New(), index: make(map[string]*list.Element)}
}

// get returns the value of key unless it is absent or has expired at now.
func (c *boundedCache[V]) get(key string, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.index[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*cacheEntry[V])
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.index, key)
		return zero, false
	}
	c.order.MoveToFront(el)
	return e.value, true
}

// add stores value under key until expires, replacing any entry of key.
func (c *boundedCache[V]) add(key string, value V, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.index[key]; ok {
		e := el.Value.(*cacheEntry[V])
		e.value, e.expires = value, expires
		c.order.MoveToFront(el)
		return
	}
	c.evict()
	c.index[key] = c.order.PushFront(&cacheEntry[V]{key: key, value: value, expires: expires})
}

// addIfAbsent stores value under key unless a live entry holds key at now;
// it reports whether it stored it. The DPoP replay check is this one
// atomic step, so two requests with one jti cannot both pass.
func (c *boundedCache[V]) addIfAbsent(key string, value V, now, expires time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.index[key]; ok {
		e := el.Value.(*cacheEntry[V])
		if now.Before(e.expires) {
			return false
		}
		e.value, e.expires = value, expires
		c.order.MoveToFront(el)
		return true
	}
	c.evict()
	c.index[key] = c.order.PushFront(&cacheEntry[V]{key: key, value: value, expires: expires})
	return true
}

// evict makes room for one entry. Called with mu held.
func (c *boundedCache[V]) evict() {
	for len(c.index) >= c.max && c.order.Len() > 0 {
		el := c.order.Back()
		c.order.Remove(el)
		delete(c.index, el.Value.(*cacheEntry[V]).key)
	}
}

// len returns the number of entries, expired ones included.
func (c *boundedCache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.index)
}
