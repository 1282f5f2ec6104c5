#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_cloop.h"

// loop_functions returns the function list of the module at path, which
// the bench has already loaded: dlopen finds the same instance.
CK_FUNCTION_LIST_PTR loop_functions(const char *path) {
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	if (h == NULL) {
		return NULL;
	}
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR f = NULL;
	if (get == NULL || get(&f) != CKR_OK) {
		f = NULL;
	}
	// The bench's own handle keeps the module loaded.
	dlclose(h);
	return f;
}

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

typedef struct {
	const loop_job *j;
	CK_SESSION_HANDLE s;
	CK_BYTE_PTR out;
	CK_BYTE iv[12];
	CK_ULONG next; // LOOP_FIND: the next label's number
	long count;
	CK_RV rv;
	const char *fn;
} worker;

// The run's shared state: the main thread sets deadline and quick before
// each slice's start barrier, the workers read it after.
typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int go; // the barriers are made
	pthread_barrier_t start, end;
	int slices;
	double deadline;
	long quick;
} run_state;

static int fail(worker *w, const char *fn, CK_RV rv) {
	w->rv = rv;
	w->fn = fn;
	return 0;
}

// op calls the job's functions once; 0 on failure, recorded in w.
static int op(worker *w) {
	const loop_job *j = w->j;
	CK_FUNCTION_LIST_PTR f = j->f;
	CK_MECHANISM m = {j->mech, NULL, 0};
	CK_ULONG n = j->outLen;
	CK_RV rv;
	switch (j->kind) {
	case LOOP_SIGN:
		if ((rv = f->C_SignInit(w->s, &m, j->key)) != CKR_OK) return fail(w, "C_SignInit", rv);
		if ((rv = f->C_Sign(w->s, j->in, j->inLen, w->out, &n)) != CKR_OK) return fail(w, "C_Sign", rv);
		return 1;
	case LOOP_VERIFY:
		if ((rv = f->C_VerifyInit(w->s, &m, j->key)) != CKR_OK) return fail(w, "C_VerifyInit", rv);
		if ((rv = f->C_Verify(w->s, j->in, j->inLen, j->sig, j->sigLen)) != CKR_OK) return fail(w, "C_Verify", rv);
		return 1;
	case LOOP_ENCRYPT: {
		// A new IV for each encryption under the key: a counter.
		for (int i = 11; i >= 0 && ++w->iv[i] == 0; i--) {
		}
		CK_GCM_PARAMS gcm = {w->iv, sizeof w->iv, 8 * sizeof w->iv, NULL, 0, 128};
		m.pParameter = &gcm;
		m.ulParameterLen = sizeof gcm;
		if ((rv = f->C_EncryptInit(w->s, &m, j->key)) != CKR_OK) return fail(w, "C_EncryptInit", rv);
		if ((rv = f->C_Encrypt(w->s, j->in, j->inLen, w->out, &n)) != CKR_OK) return fail(w, "C_Encrypt", rv);
		return 1;
	}
	case LOOP_DIGEST:
		if ((rv = f->C_DigestInit(w->s, &m)) != CKR_OK) return fail(w, "C_DigestInit", rv);
		if ((rv = f->C_Digest(w->s, j->in, j->inLen, w->out, &n)) != CKR_OK) return fail(w, "C_Digest", rv);
		return 1;
	case LOOP_RANDOM:
		if ((rv = f->C_GenerateRandom(w->s, w->out, j->outLen)) != CKR_OK) return fail(w, "C_GenerateRandom", rv);
		return 1;
	case LOOP_FIND: {
		char label[32];
		int len = snprintf(label, sizeof label, "bench-data-%lu", w->next);
		w->next = (w->next + 7919) % j->objects; // a prime: labels all over the token
		CK_ATTRIBUTE t = {CKA_LABEL, label, (CK_ULONG)len};
		CK_OBJECT_HANDLE found[2];
		CK_ULONG count = 0;
		if ((rv = f->C_FindObjectsInit(w->s, &t, 1)) != CKR_OK) return fail(w, "C_FindObjectsInit", rv);
		if ((rv = f->C_FindObjects(w->s, found, 2, &count)) != CKR_OK) return fail(w, "C_FindObjects", rv);
		if ((rv = f->C_FindObjectsFinal(w->s)) != CKR_OK) return fail(w, "C_FindObjectsFinal", rv);
		if (count != 1) return fail(w, "C_FindObjects", CKR_FOUND_WRONG);
		return 1;
	}
	}
	return fail(w, "the bench", CKR_GENERAL_ERROR);
}

typedef struct {
	worker w;
	run_state *st;
} thread_arg;

static void *work(void *p) {
	thread_arg *a = p;
	worker *w = &a->w;
	run_state *st = a->st;
	const loop_job *j = w->j;
	CK_RV rv = j->f->C_OpenSession(j->slot, CKF_SERIAL_SESSION, NULL, NULL, &w->s);
	int opened = rv == CKR_OK;
	int ok = opened ? 1 : fail(w, "C_OpenSession", rv);
	// One untimed call: the check that the module can, and the warm-up.
	ok = ok && op(w);
	pthread_mutex_lock(&st->mu);
	while (!st->go) {
		pthread_cond_wait(&st->cond, &st->mu);
	}
	pthread_mutex_unlock(&st->mu);
	for (int k = 0; k < st->slices; k++) {
		pthread_barrier_wait(&st->start);
		w->count = 0;
		while (ok) {
			ok = op(w);
			if (!ok) break;
			w->count++;
			if (st->quick > 0 ? w->count >= st->quick : now() >= st->deadline) break;
		}
		pthread_barrier_wait(&st->end);
	}
	if (opened) {
		j->f->C_CloseSession(w->s);
	}
	return NULL;
}

// loop_run runs j in threads threads, each in a session of its own, for
// slices timed slices of slice_secs each (or, with quick_count > 0, one
// slice of quick_count operations per thread), and returns the slice with
// the highest rate.
loop_result loop_run(const loop_job *j, int threads, int slices, double slice_secs, long quick_count) {
	// Each run's IVs start from a prefix of their own: the bench's rows
	// encrypt under one key, one run after the other.
	static unsigned int runs;
	runs++;
	loop_result r = {0, 0, CKR_OK, NULL};
	run_state st;
	st.slices = quick_count > 0 ? 1 : slices;
	st.quick = quick_count;
	st.go = 0;
	pthread_mutex_init(&st.mu, NULL);
	pthread_cond_init(&st.cond, NULL);
	thread_arg *args = calloc(threads, sizeof *args);
	pthread_t *ids = calloc(threads, sizeof *ids);
	for (int i = 0; i < threads; i++) {
		args[i].st = &st;
		args[i].w.j = j;
		args[i].w.out = malloc(j->outLen > 0 ? j->outLen : 1);
		args[i].w.next = (CK_ULONG)i * 104729 % (j->objects > 0 ? j->objects : 1);
		args[i].w.iv[0] = (CK_BYTE)(runs >> 16);
		args[i].w.iv[1] = (CK_BYTE)(runs >> 8);
		args[i].w.iv[2] = (CK_BYTE)runs;
		args[i].w.iv[3] = (CK_BYTE)i;
	}
	// The barriers count the threads, so they are made once the threads
	// are: the threads wait for them at the go signal.
	int started = 0;
	for (; started < threads; started++) {
		if (pthread_create(&ids[started], NULL, work, &args[started]) != 0) {
			break;
		}
	}
	if (started < threads) {
		r.rv = CKR_HOST_MEMORY;
		r.fn = "pthread_create";
		st.slices = 0;
	}
	pthread_barrier_init(&st.start, NULL, started + 1);
	pthread_barrier_init(&st.end, NULL, started + 1);
	pthread_mutex_lock(&st.mu);
	st.go = 1;
	pthread_cond_broadcast(&st.cond);
	pthread_mutex_unlock(&st.mu);
	double best = 0;
	for (int k = 0; k < st.slices; k++) {
		double t0 = now();
		st.deadline = t0 + slice_secs;
		pthread_barrier_wait(&st.start);
		pthread_barrier_wait(&st.end);
		double secs = now() - t0;
		long count = 0;
		for (int i = 0; i < threads; i++) {
			count += args[i].w.count;
		}
		if (secs > 0 && count / secs > best) {
			best = count / secs;
			r.count = count;
			r.secs = secs;
		}
	}
	for (int i = 0; i < started; i++) {
		pthread_join(ids[i], NULL);
		if (r.rv == CKR_OK && args[i].w.rv != CKR_OK) {
			r.rv = args[i].w.rv;
			r.fn = args[i].w.fn;
		}
	}
	for (int i = 0; i < threads; i++) {
		free(args[i].w.out);
	}
	free(args);
	free(ids);
	pthread_barrier_destroy(&st.start);
	pthread_barrier_destroy(&st.end);
	pthread_cond_destroy(&st.cond);
	pthread_mutex_destroy(&st.mu);
	return r;
}
