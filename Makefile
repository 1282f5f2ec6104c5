# corepkcs11 — the commands the README documents.
GO ?= go

.PHONY: all test vet demo generate

all: test

# The full test run: static checks, then every package under the race detector.
test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

demo:
	$(GO) run ./cmd/corepkcs11 demo

# Regenerate ck/zconst.go from the OASIS PKCS#11 2.40 header.
generate:
	cd ck && $(GO) generate
