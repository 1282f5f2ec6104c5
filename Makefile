# corepkcs11 — the commands the README documents.
GO ?= go

.PHONY: all test deps vet fuzz soak demo generate module command install uninstall

# deps must come before vet, which needs gcc for the cgo package module.
.NOTPARALLEL:

all: test

# The full test run: static checks, every package under the race
# detector (the engine's own tests; the C ABI tests load a module built
# without it, since the race runtime cannot be dlopened), then a short
# run of every fuzz target, and make install and uninstall into a
# temporary directory. It first installs the Debian packages the tests
# drive, if any is missing.
test: deps vet
	$(GO) test -race -count=1 ./...
	scripts/fuzz.sh 10000x
	GO='$(GO)' MAKE='$(MAKE)' scripts/test-install.sh

deps:
	@scripts/install-deps.sh

# The long run: the multi-process tests for 50 rounds each, 2 million
# rounds of random calls at the C ABI, and 300,000 inputs of every fuzz
# target.
soak: deps vet
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

SOURCES := $(shell find . -path ./build -prune -o \( -name '*.go' -o -name '*.c' -o -name '*.h' \) -print | grep -v _test.go) go.mod go.sum

# The module and the command are built without the symbol table, DWARF
# and the build's file paths (README: Footprint; scripts/footprint.sh).
# Go's own function table stays: a panic the module logs still names each
# frame's function, file and line (interop's TestPanicLog). make -B module
# command BUILDFLAGS= builds them with symbols, for gdb or perf. The
# interop tests build the module with the same flags (interop/main_test.go).
BUILDFLAGS ?= -trimpath -ldflags='-s -w'

# The PKCS#11 module any host can dlopen.
module: build/libcorepkcs11.so

build/libcorepkcs11.so: $(SOURCES) Makefile
	$(GO) build $(BUILDFLAGS) -buildmode=c-shared -o $@ ./module

# The command (go install ./cmd/corepkcs11 installs it too).
command: build/corepkcs11

build/corepkcs11: $(SOURCES) Makefile
	$(GO) build $(BUILDFLAGS) -o $@ ./cmd/corepkcs11

# make install [PREFIX=/usr/local] [DESTDIR=]: the command, the module, and
# a p11-kit module file naming the module, so that p11-kit-aware programs
# find the token without configuration. make uninstall, with the same
# variables, removes them. p11-kit loads the module by the absolute path
# the file gives, wherever MODULEDIR is; but it reads module files only from
# its own directories: the user's ($XDG_CONFIG_HOME/pkcs11/modules, which
# p11-kit does not read for root) when PREFIX is under $HOME, else the one
# p11-kit's pkg-config file names for packages' module files
# (/usr/share/p11-kit/modules on Debian, Ubuntu and Fedora; also the
# fallback without pkg-config or libp11-kit-dev).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MODULEDIR ?= $(PREFIX)/lib/corepkcs11
PKG_CONFIG ?= pkg-config
P11_MODULE_CONFIGS ?= $(if $(and $(filter /%,$(HOME)),$(filter $(HOME)/%,$(PREFIX))),$(or $(XDG_CONFIG_HOME),$(HOME)/.config)/pkcs11/modules,$(or $(shell $(PKG_CONFIG) --variable=p11_module_configs p11-kit-1 2>/dev/null),/usr/share/p11-kit/modules))
INSTALL ?= install

# install copies what make module command built and builds nothing: run
# as root (sudo make install), it must not need Go nor leave root-owned
# build outputs behind.
install:
	@for f in build/libcorepkcs11.so build/corepkcs11; do [ -f "$$f" ] || { echo "make install: $$f is missing: run make module command first, as yourself" >&2; exit 1; }; done
	@if [ -n "$$(find . -name '*.go' -newer build/corepkcs11 -not -path './build/*' | head -1)" ]; then echo "make install: warning: sources are newer than build/: run make module command again to install them" >&2; fi
	@case '$(BINDIR)' in /*) ;; *) echo 'make install: BINDIR (from PREFIX) must be an absolute path, not $(BINDIR)' >&2; exit 1;; esac
	@case '$(MODULEDIR)' in /*) ;; *) echo 'make install: MODULEDIR (from PREFIX) must be an absolute path, not $(MODULEDIR)' >&2; exit 1;; esac
	$(INSTALL) -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MODULEDIR)' '$(DESTDIR)$(P11_MODULE_CONFIGS)'
	$(INSTALL) -m 0755 build/corepkcs11 '$(DESTDIR)$(BINDIR)/corepkcs11'
	$(INSTALL) -m 0755 build/libcorepkcs11.so '$(DESTDIR)$(MODULEDIR)/libcorepkcs11.so'
	sed 's|@MODULE@|$(MODULEDIR)/libcorepkcs11.so|' dist/corepkcs11.module.in > '$(DESTDIR)$(P11_MODULE_CONFIGS)/corepkcs11.module'
	chmod 0644 '$(DESTDIR)$(P11_MODULE_CONFIGS)/corepkcs11.module'

uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/corepkcs11' '$(DESTDIR)$(MODULEDIR)/libcorepkcs11.so' '$(DESTDIR)$(P11_MODULE_CONFIGS)/corepkcs11.module'
	@if [ '$(notdir $(MODULEDIR))' = corepkcs11 ] && [ -d '$(DESTDIR)$(MODULEDIR)' ]; then rmdir '$(DESTDIR)$(MODULEDIR)' 2>/dev/null || true; fi
