package client

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

static const char *client_dlopen_error(const char *path)
{
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (lib) {
		dlclose(lib);
		return "it loads, but has no usable C_GetFunctionList";
	}
	return dlerror();
}
*/
import "C"

import "unsafe"

// dlopenError is why the dynamic loader refuses the library at path.
func dlopenError(path string) string {
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	return C.GoString(C.client_dlopen_error(p))
}
