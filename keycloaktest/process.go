package keycloaktest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// process is a running Keycloak (kc.sh and the JVM it starts), in a
// process group of its own so that stop reaches both.
type process struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has been reaped
	waitErr error         // valid after done is closed
	logPath string
}

// startProcess runs name with args in dir, its output appended to the
// file at logPath.
func startProcess(name string, args, env []string, dir, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin = nil
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	p := &process{cmd: cmd, done: make(chan struct{}), logPath: logPath}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// stop sends SIGTERM to the process group, waits up to grace for a clean
// exit, then kills the group. It returns once the process is reaped.
func (p *process) stop(grace time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := terminate(p.cmd.Process); err != nil {
		_ = kill(p.cmd.Process)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
	}
	if err := kill(p.cmd.Process); err != nil && !errors.Is(err, os.ErrProcessDone) {
		<-p.done
		return err
	}
	<-p.done
	return errors.New("keycloaktest: Keycloak did not stop within " + grace.String() + " and was killed")
}

// Lines of the server log that say nothing about a failure: the health
// check reports "down" on every poll until Keycloak is ready.
var logNoise = [][]byte{[]byte("SRHCK01001")}

// logTail returns the last lines (at most 40) of the file at path, without
// readiness-poll noise.
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 64 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > window {
		_, _ = f.Seek(fi.Size()-window, io.SeekStart)
	}
	data, _ := io.ReadAll(io.LimitReader(f, window))
	return tailLines(data, 40)
}

// tailLines returns the last n lines of data that are not noise.
func tailLines(data []byte, n int) string {
	var kept [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		noise := len(bytes.TrimSpace(line)) == 0
		for _, pat := range logNoise {
			noise = noise || bytes.Contains(line, pat)
		}
		if !noise {
			kept = append(kept, line)
		}
	}
	if len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	return string(bytes.Join(kept, []byte("\n")))
}

// portTaken reports whether a server log shows a failed bind.
func portTaken(log string) bool {
	for _, s := range []string{"Address already in use", "already bound", "seems to be in use"} {
		if strings.Contains(log, s) {
			return true
		}
	}
	return false
}
