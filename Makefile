# corepkcs11 — the commands the README documents.
GO ?= go

.PHONY: all test vet fuzz soak demo generate module

all: test

# The full test run: static checks, every package under the race
# detector (the engine's own tests; the C ABI tests load a module built
# without it, since the race runtime cannot be dlopened), then a short
# run of every fuzz target.
test: vet
	$(GO) test -race -count=1 ./...
	scripts/fuzz.sh 10000x

# The long run: the multi-process tests for 50 rounds each, 2 million
# rounds of random calls at the C ABI, and 300,000 inputs of every fuzz
# target.
soak: vet
	COREPKCS11_SOAK=1 $(GO) test -race -count=1 -timeout 60m -run 'Processes|Kill|RandomCalls' -v ./interop
	scripts/fuzz.sh 300000x

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	cd module && $(GO) run ./internal/wrapgen -check

demo:
	$(GO) run ./cmd/corepkcs11 demo

# Regenerate ck/zconst.go from the OASIS PKCS#11 2.40 header, and the
# C ABI's entry points from module/internal/wrapgen's table.
generate:
	cd ck && $(GO) generate
	cd module && $(GO) generate

# The PKCS#11 module any host can dlopen.
module: build/libcorepkcs11.so

build/libcorepkcs11.so: $(shell find . -name '*.go' -o -name '*.c' -o -name '*.h' | grep -v _test.go) go.mod go.sum
	$(GO) build -buildmode=c-shared -o $@ ./module
