// Command corepkcs11 provisions and manages PKCS#11 tokens: corepkcs11's
// own, in this process, or those of any PKCS#11 module (--module). It
// also runs the end-to-end demo and the qualification suite.
//
// Every command has --help; the README's CLI reference is their help.
package main

// commands are corepkcs11's commands, in the order --help lists them.
var commands = []command{
	demoCommand,
	initCommand,
	tokensCommand,
	pinChangeCommand,
	pinUnlockCommand,
	provisionCommand,
	importCommand,
	keygenCommand,
	csrCommand,
	selfsignCommand,
	listCommand,
	exportCommand,
	deleteCommand,
	signCommand,
	verifyCommand,
	digestCommand,
	randomCommand,
	encryptCommand,
	decryptCommand,
	backupCommand,
	qualifyCommand,
	benchCommand,
}
