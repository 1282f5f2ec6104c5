package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
)

// logger writes to COREPKCS11_LOG_FILE, or stderr, at the level
// COREPKCS11_LOG names (debug, info, warn, error; default error).
// With debug, every call is logged with its arguments' names and its
// CK_RV; PINs and key material never are.
var logger, tracing = newLogger()

func newLogger() (*slog.Logger, bool) {
	level := slog.LevelError
	switch strings.ToLower(getenv("COREPKCS11_LOG")) {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn":
		level = slog.LevelWarn
	}
	var w io.Writer = os.Stderr
	if path := getenv("COREPKCS11_LOG_FILE"); path != "" {
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			w = f
		}
	}
	h := slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(h).With("module", "corepkcs11"), level == slog.LevelDebug
}

// trace logs a finished call; entry points defer it only when tracing,
// so the hot path pays nothing otherwise.
func trace(fn string, start time.Time, result *C.CK_RV, args ...any) {
	logger.Debug(fn, append(args, "rv", ck.RV(*result), "took", time.Since(start))...)
}

// recoverPanic turns a panic into CKR_GENERAL_ERROR: no panic may cross
// into the host process.
func recoverPanic(fn string, result *C.CK_RV) {
	if r := recover(); r != nil {
		logger.Error("panic", "function", fn, "panic", r, "stack", string(debug.Stack()))
		*result = C.CKR_GENERAL_ERROR
	}
}

//export cpkUnsupported
func cpkUnsupported(name *C.char) (result C.CK_RV) {
	defer recoverPanic("unsupported", &result)
	fn := C.GoString(name)
	if tracing {
		defer trace(fn, time.Now(), &result)
	}
	if _, err := engine.GetInfo(); err != nil {
		return rv(fn, err)
	}
	if fn == "C_GetFunctionStatus" || fn == "C_CancelFunction" {
		return C.CKR_FUNCTION_NOT_PARALLEL // the spec's answer for these legacy functions
	}
	return C.CKR_FUNCTION_NOT_SUPPORTED
}
