// Command corepkcs11 provisions and uses corepkcs11 tokens.
//
//	corepkcs11 demo      provision a device, authenticate TLS, verify firmware
//	corepkcs11 qualify   run the qualification suite against a PKCS#11 module
package main

import (
	"fmt"
	"os"
)

const usage = `usage: corepkcs11 <command> [flags]

commands:
  demo    run the corePKCS11 story end to end on a throwaway token:
          provision a device key and certificate, authenticate a TLS
          connection with it, verify a signed firmware image
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "demo":
		err = runDemo(os.Args[2:])
	case "qualify":
		err = runQualify(os.Args[2:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "corepkcs11: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "corepkcs11:", err)
		os.Exit(1)
	}
}
