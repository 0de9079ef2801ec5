package keycloaktest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// minJava is the oldest Java release Keycloak 26 runs on.
const minJava = 17

var javaVersionRE = regexp.MustCompile(`version "(\d+)`)

// findJava returns the java command kc.sh will use ($JAVA_HOME/bin/java,
// else java on $PATH) after checking that it runs and is recent enough.
func findJava(ctx context.Context) (string, error) {
	java := ""
	if home := os.Getenv("JAVA_HOME"); home != "" {
		java = filepath.Join(home, "bin", "java")
		if _, err := os.Stat(java); err != nil {
			return "", fmt.Errorf("%w: JAVA_HOME=%s has no bin/java", ErrNoJava, home)
		}
	} else {
		p, err := exec.LookPath("java")
		if err != nil {
			return "", ErrNoJava
		}
		java = p
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, java, "-version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: %s -version: %v", ErrNoJava, java, err)
	}
	m := javaVersionRE.FindSubmatch(out)
	if m == nil {
		return java, nil // unknown format: let Keycloak judge
	}
	major, _ := strconv.Atoi(string(m[1]))
	if major == 1 || major < minJava { // "1.8.0" is Java 8
		return "", fmt.Errorf("%w: %s is Java %s", ErrNoJava, java, m[1])
	}
	return java, nil
}
