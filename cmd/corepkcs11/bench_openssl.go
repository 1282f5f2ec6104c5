package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// benchOpenSSL fills a column with what OpenSSL reaches by itself on this
// machine in this run (`openssl speed`): the limit for the rows whose
// crypto runs on libcrypto, EC P-256 and RSA-2048 sign and verify, at one
// thread and at each --threads count (-multi, one process each).
func benchOpenSSL(sp benchSpec, col *benchColumn) {
	version, err := exec.Command("openssl", "version").Output()
	if err != nil {
		col.Err = "openssl: " + err.Error()
		return
	}
	col.Library = strings.TrimSpace(string(version)) + ", its own benchmark"
	col.Backend = "OpenSSL libcrypto, called by `openssl speed ecdsap256 rsa2048`; several threads are -multi processes"
	col.Token = "none: keys in memory"
	col.Results = map[string]benchResult{}
	secs := max(1, int(sp.Secs+0.5))
	for _, n := range append([]int{1}, sp.Threads...) {
		args := []string{"speed", "-seconds", strconv.Itoa(secs)}
		if n > 1 {
			args = append(args, "-multi", strconv.Itoa(n))
		}
		out, err := exec.Command("openssl", append(args, "ecdsap256", "rsa2048")...).Output()
		if err != nil {
			col.Err = fmt.Sprintf("openssl %s: %v", strings.Join(args, " "), err)
			return
		}
		for id, ops := range parseOpenSSLSpeed(string(out)) {
			switch {
			case n == 1:
				col.Results[id] = benchResult{Ops: ops}
				if id == "ecSign" || id == "rsaSign" {
					col.Results[threadsID(id, 1)] = benchResult{Ops: ops}
				}
			case id == "ecSign" || id == "rsaSign":
				col.Results[threadsID(id, n)] = benchResult{Ops: ops}
			}
		}
	}
}

// parseOpenSSLSpeed reads the sign/s and verify/s columns of `openssl
// speed`'s tables for RSA-2048 and ECDSA P-256:
//
//	rsa 2048 bits 0.000209s 0.000006s   4784.0 160897.6
//	 256 bits ecdsa (nistp256)   0.0000s   0.0001s  34132.5  11479.9
//
// With -multi, the tables add up the processes.
func parseOpenSSLSpeed(out string) map[string]float64 {
	rates := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		var prefix string
		switch {
		case strings.HasPrefix(line, "rsa 2048 bits "):
			prefix = "rsa"
		case strings.HasPrefix(line, "256 bits ecdsa (nistp256) "):
			prefix = "ec"
		default:
			continue
		}
		f := strings.Fields(line)
		sign, err1 := strconv.ParseFloat(f[len(f)-2], 64)
		verify, err2 := strconv.ParseFloat(f[len(f)-1], 64)
		if err1 == nil && err2 == nil {
			rates[prefix+"Sign"], rates[prefix+"Verify"] = sign, verify
		}
	}
	return rates
}
