module github.com/corepkcs11/corepkcs11

go 1.26
