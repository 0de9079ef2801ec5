package keycloaktest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// keyProviderType is the component type of realm key providers.
const keyProviderType = "org.keycloak.keys.KeyProvider"

// RotateKeysOptions say what becomes of the realm's RS256 signing keys
// when a new one takes over.
type RotateKeysOptions struct {
	// DisableOld removes the old keys from the realm's JWKS, so tokens they
	// signed no longer verify. By default they stay published as passive
	// keys: still valid for verification, no longer used for signing,
	// which is how a provider rotates without breaking tokens in flight
	// (OpenID Connect Core 1.0, section 10.1.1).
	DisableOld bool
}

// component is the part of a ComponentRepresentation used here.
type component struct {
	ID           string              `json:"id,omitempty"`
	Name         string              `json:"name"`
	ProviderID   string              `json:"providerId"`
	ProviderType string              `json:"providerType"`
	ParentID     string              `json:"parentId"`
	SubType      string              `json:"subType,omitempty"`
	Config       map[string][]string `json:"config"`
}

// RotateKeys adds a new generated RS256 key with a higher priority than
// every existing key, so it signs from now on, retires the old generated
// RS256 keys as opts says, and returns the new key's "kid".
func (a *Admin) RotateKeys(ctx context.Context, realm string, opts RotateKeysOptions) (string, error) {
	rp := "/admin/realms/" + url.PathEscape(realm)
	rep, err := a.RealmRepresentation(ctx, realm)
	if err != nil {
		return "", err
	}
	realmID, _ := rep["id"].(string)
	var comps []component
	if _, err := a.Do(ctx, http.MethodGet, rp+"/components?type="+url.QueryEscape(keyProviderType), nil, &comps); err != nil {
		return "", err
	}
	top := int64(0)
	for _, c := range comps {
		if p := firstConfig(c, "priority"); p != "" {
			if n, err := strconv.ParseInt(p, 10, 64); err == nil && n > top {
				top = n
			}
		}
	}
	fresh := component{
		Name:         uniqueName("rsa-rotated"),
		ProviderID:   "rsa-generated",
		ProviderType: keyProviderType,
		ParentID:     realmID,
		Config: map[string][]string{
			"priority":  {strconv.FormatInt(top+100, 10)},
			"enabled":   {"true"},
			"active":    {"true"},
			"algorithm": {"RS256"},
			"keySize":   {"2048"},
		},
	}
	h, err := a.Do(ctx, http.MethodPost, rp+"/components", fresh, nil)
	if err != nil {
		return "", err
	}
	freshID := createdID(h)
	for _, c := range comps {
		if c.ProviderID != "rsa-generated" {
			continue
		}
		if alg := firstConfig(c, "algorithm"); alg != "" && alg != "RS256" {
			continue
		}
		if opts.DisableOld {
			c.Config["enabled"] = []string{"false"}
		} else {
			c.Config["active"] = []string{"false"}
		}
		if _, err := a.Do(ctx, http.MethodPut, rp+"/components/"+url.PathEscape(c.ID), c, nil); err != nil {
			return "", err
		}
	}
	var keys struct {
		Keys []struct {
			KID        string `json:"kid"`
			ProviderID string `json:"providerId"`
		} `json:"keys"`
	}
	if _, err := a.Do(ctx, http.MethodGet, rp+"/keys", nil, &keys); err != nil {
		return "", err
	}
	for _, k := range keys.Keys {
		if k.ProviderID == freshID {
			return k.KID, nil
		}
	}
	return "", fmt.Errorf("keycloaktest: rotate keys of realm %s: new key provider %s lists no key", realm, freshID)
}

func firstConfig(c component, name string) string {
	if v := c.Config[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}
