package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"regexp"
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
		rates := parseOpenSSLSpeed(string(out))
		if len(rates) != 4 {
			col.Err = fmt.Sprintf("openssl %s: found %d of the 4 rates (RSA-2048 and P-256 sign and verify) in its output", strings.Join(args, " "), len(rates))
			return
		}
		for id, ops := range rates {
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
// speed`'s tables for RSA-2048 and ECDSA P-256. OpenSSL 3.0 prints
//
//	rsa 2048 bits 0.000209s 0.000006s   4784.0 160897.6
//	 256 bits ecdsa (nistp256)   0.0000s   0.0001s  34132.5  11479.9
//
// and 3.2 on pads the RSA key size and adds encryption and decryption
// columns after those: the times end in "s", and the first two plain
// numbers after them are sign/s and verify/s in both. With -multi, the
// tables add up the processes.
func parseOpenSSLSpeed(out string) map[string]float64 {
	rates := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		var prefix, rest string
		if m := openSSLRSARow.FindStringSubmatch(line); m != nil {
			prefix, rest = "rsa", m[1]
		} else if m := openSSLECRow.FindStringSubmatch(line); m != nil {
			prefix, rest = "ec", m[1]
		} else {
			continue
		}
		var nums []float64
		for _, f := range strings.Fields(rest) {
			if strings.HasSuffix(f, "s") {
				continue
			}
			if v, err := strconv.ParseFloat(f, 64); err == nil {
				nums = append(nums, v)
			}
		}
		if len(nums) >= 2 {
			rates[prefix+"Sign"], rates[prefix+"Verify"] = nums[0], nums[1]
		}
	}
	return rates
}

var (
	openSSLRSARow = regexp.MustCompile(`^rsa\s+2048\s+bits\s+(.*)$`)
	openSSLECRow  = regexp.MustCompile(`^256\s+bits\s+ecdsa\s+\(nistp256\)\s+(.*)$`)
)
