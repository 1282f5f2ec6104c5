package interop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/corepkcs11/corepkcs11/store"
	"github.com/corepkcs11/corepkcs11/token"
)

// TestProcessesBackup: process A generates key pairs, creates private
// data objects and signs, in a loop, through the C module; process B
// takes a backup of the store meanwhile, through the Go API. The backup,
// restored as a new store directory, is opened by process C through the
// C module: the user PIN logs in, every object A had committed before
// the backup began is there, whole, among a prefix of A's writes, and a
// key from it signs under the public key A generated.
func TestProcessesBackup(t *testing.T) {
	for round := range rounds() {
		e := newEnv(t)
		e.initToken(t, "bk")
		dir := t.TempDir()
		markers, stop, backup := filepath.Join(dir, "markers"), filepath.Join(dir, "stop"), filepath.Join(dir, "backup.db")
		if err := os.Mkdir(markers, 0o700); err != nil {
			t.Fatal(err)
		}
		a, b := runBoth(t, e.child(t, "backup-writer", markers, stop), e.child(t, "take-backup", markers, "5", backup, stop))
		if field(a, "error") != "" || field(a, "created") == "" {
			t.Fatalf("round %d: the writer failed:\n%s", round, a)
		}
		if field(b, "error") != "" || field(b, "backup") != "ok" {
			t.Fatalf("round %d: the backup failed:\n%s", round, b)
		}
		before := field(b, "before")
		created, _ := strconv.Atoi(field(a, "created"))
		if n := len(strings.Split(before, ",")); created <= n {
			t.Errorf("round %d: the writer made %d writes, none after the %d before the backup", round, created, n)
		}

		// Restore: a new store directory with the backup as its database.
		restored := env{store: filepath.Join(dir, "restored"), log: filepath.Join(dir, "restored.log")}
		if err := os.Mkdir(restored.store, 0o700); err != nil {
			t.Fatal(err)
		}
		copyFile(t, backup, filepath.Join(restored.store, store.FileName))
		out, err := restored.child(t, "backup-check", before).CombinedOutput()
		c := string(out)
		if err != nil || field(c, "error") != "" {
			t.Fatalf("round %d: the restored store fails: %v\n%s", round, err, c)
		}
		t.Logf("round %d: %d writes announced before the backup, %s in it, %d in all; store opened in %s, copied in %s", round, len(strings.Split(before, ",")), field(c, "data"), created, field(b, "opened"), field(b, "copied"))
		i := field(c, "signed-with")
		pubHex := field(c, "pub")
		if want := field(a, "pub-"+i); pubHex == "" || pubHex != want {
			t.Fatalf("round %d: key %s in the backup has public point %s; the writer generated %s", round, i, pubHex, want)
		}
		point, _ := hex.DecodeString(pubHex)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
		if err != nil {
			t.Fatalf("round %d: public point %s: %v", round, pubHex, err)
		}
		sig, _ := hex.DecodeString(field(c, "sig"))
		digest := sha256.Sum256([]byte("restored from a backup"))
		if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			t.Fatalf("round %d: the restored key's signature does not verify:\n%s", round, c)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// unwrapECPoint unwraps CKA_EC_POINT, a DER OCTET STRING.
func unwrapECPoint(der []byte) ([]byte, error) {
	var point []byte
	if rest, err := asn1.Unmarshal(der, &point); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("CKA_EC_POINT %x is not an OCTET STRING", der)
	}
	return point, nil
}

func init() {
	// take-backup MARKERS MIN OUT STOP: once MIN writes are announced in
	// MARKERS, print them as committed before the backup, back the store
	// up to OUT with the Go API, and once the writer has announced two
	// more, create STOP. This child must not load the C module: two
	// SQLite libraries in one process on one file break each other's
	// POSIX locks. So it is run here, before TestMain's runRole.
	if os.Getenv(roleVar) != "take-backup" {
		return
	}
	if err := takeBackup(os.Args[1], os.Args[2], os.Args[3], os.Args[4]); err != nil {
		fmt.Println("error=", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func takeBackup(markers, minimum, out, stop string) error {
	defer os.WriteFile(stop, nil, 0o600) // never leave the writer running
	n, _ := strconv.Atoi(minimum)
	announced := func() ([]int, error) {
		entries, err := os.ReadDir(markers)
		var ids []int
		for _, e := range entries {
			i, _ := strconv.Atoi(e.Name())
			ids = append(ids, i)
		}
		slices.Sort(ids)
		return ids, err
	}
	m := token.New(token.Config{}) // the store of $COREPKCS11_STORE
	start := time.Now()
	if err := m.Initialize(); err != nil {
		return err
	}
	defer m.Finalize()
	opened := time.Since(start)
	var before []int
	for deadline := time.Now().Add(30 * time.Second); len(before) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the writer announced %d writes in 30 s", len(before))
		}
		var err error
		if before, err = announced(); err != nil {
			return err
		}
	}
	start = time.Now()
	if err := m.Backup(out); err != nil {
		return err
	}
	fmt.Printf("opened=%v\ncopied=%v\n", opened, time.Since(start))
	var s []string
	for _, i := range before {
		s = append(s, strconv.Itoa(i))
	}
	fmt.Printf("before=%s\n", strings.Join(s, ","))
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if after, err := announced(); err != nil || len(after) >= len(before)+2 {
			break
		}
	}
	fmt.Println("backup=ok")
	return nil
}

func init() {
	// backup-writer MARKERS STOP: until the file STOP exists, write i =
	// 0, 1, …: generate key pair bk-key-i (printing its public point as
	// pub-i), create the private data object bk-data-i, sign with the
	// key, then announce i with the file MARKERS/i.
	roles["backup-writer"] = role{"user", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		markers, stop := args[0], args[1]
		digest := sha256.Sum256([]byte("backup writer"))
		i := 0
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); i++ {
			if _, err := os.Stat(stop); err == nil {
				break
			}
			label := "bk-key-" + strconv.Itoa(i)
			pub, priv, err := p.GenerateKeyPair(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
				[]*pkcs11.Attribute{
					pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
					pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256OID), pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
				},
				[]*pkcs11.Attribute{
					pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
					pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
					pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
				})
			if err != nil {
				return fmt.Errorf("keygen %d: %w", i, err)
			}
			attrs, err := p.GetAttributeValue(h, pub, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
			if err != nil {
				return err
			}
			point, err := unwrapECPoint(attrs[0].Value)
			if err != nil {
				return err
			}
			fmt.Printf("pub-%d=%x\n", i, point)
			if _, err := p.CreateObject(h, backupData(i)); err != nil {
				return fmt.Errorf("create %d: %w", i, err)
			}
			if err := p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, priv); err != nil {
				return fmt.Errorf("sign init %d: %w", i, err)
			}
			if sig, err := p.Sign(h, digest[:]); err != nil || len(sig) != 64 {
				return fmt.Errorf("sign %d: %d bytes, %v", i, len(sig), err)
			}
			if err := os.WriteFile(filepath.Join(markers, strconv.Itoa(i)), nil, 0o600); err != nil {
				return err
			}
		}
		fmt.Printf("created=%d\n", i)
		return nil
	}}

	// backup-check BEFORE: on a restored store, logged in, check that the
	// writes listed in BEFORE (comma-separated) are there, that the data
	// objects are those of writes 0 … k-1, each whole and with its key
	// pair, then sign with the key of the last write in BEFORE, printing
	// signed-with, its public point (pub) and the signature (sig).
	roles["backup-check"] = role{"user", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		data, err := findAll(p, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, "backup")}, pkcs11.CKA_VALUE)
		if err != nil {
			return err
		}
		privs, err := findAll(p, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY)}, 0)
		if err != nil {
			return err
		}
		pubs, err := findAll(p, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY)}, pkcs11.CKA_EC_POINT)
		if err != nil {
			return err
		}
		for i := range len(data) {
			want := backupData(i)
			d, ok := data[fmt.Sprintf("bk-data-%d", i)]
			switch {
			case !ok:
				return fmt.Errorf("the backup has %d data objects, not those of writes 0 to %d", len(data), len(data)-1)
			case string(d.value) != string(want[4].Value):
				return fmt.Errorf("bk-data-%d is torn: %q", i, d.value)
			}
			key := "bk-key-" + strconv.Itoa(i)
			if _, ok := privs[key]; !ok {
				return fmt.Errorf("write %d's data object is in the backup, not its private key", i)
			}
			if _, ok := pubs[key]; !ok {
				return fmt.Errorf("write %d's data object is in the backup, not its public key", i)
			}
		}
		// A write caught between its key pair and its data object leaves
		// one key pair more, whole (C_GenerateKeyPair stores both at once).
		if len(privs) != len(pubs) || len(privs) < len(data) || len(privs) > len(data)+1 {
			return fmt.Errorf("%d data objects, %d private and %d public keys", len(data), len(privs), len(pubs))
		}
		var last string
		for _, i := range strings.Split(args[0], ",") {
			if _, ok := data["bk-data-"+i]; !ok {
				return fmt.Errorf("write %s was committed before the backup began and is not in it", i)
			}
			last = i
		}
		priv := privs["bk-key-"+last].handle
		point, err := unwrapECPoint(pubs["bk-key-"+last].value)
		if err != nil {
			return err
		}
		digest := sha256.Sum256([]byte("restored from a backup"))
		if err := p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, priv); err != nil {
			return err
		}
		sig, err := p.Sign(h, digest[:])
		if err != nil {
			return err
		}
		fmt.Printf("data=%d\nsigned-with=%s\npub=%x\nsig=%x\n", len(data), last, point, sig)
		return nil
	}}
}

// backupData is the template of the writer's data object i; its
// CKA_VALUE (index 4) says which it is.
func backupData(i int) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true), pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, "backup"),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, fmt.Sprintf("value-%d", i)), pkcs11.NewAttribute(pkcs11.CKA_LABEL, fmt.Sprintf("bk-data-%d", i)),
	}
}

type found struct {
	handle pkcs11.ObjectHandle
	value  []byte // of the attribute asked for
}

// findAll finds the objects matching tmpl, by label, with the value of
// attribute typ (none if 0).
func findAll(p *pkcs11.Ctx, h pkcs11.SessionHandle, tmpl []*pkcs11.Attribute, typ uint) (map[string]found, error) {
	if err := p.FindObjectsInit(h, tmpl); err != nil {
		return nil, err
	}
	var handles []pkcs11.ObjectHandle
	for {
		batch, _, err := p.FindObjects(h, 100)
		if err != nil {
			p.FindObjectsFinal(h)
			return nil, err
		}
		if len(batch) == 0 {
			break
		}
		handles = append(handles, batch...)
	}
	if err := p.FindObjectsFinal(h); err != nil {
		return nil, err
	}
	objs := map[string]found{}
	for _, o := range handles {
		want := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)}
		if typ != 0 {
			want = append(want, pkcs11.NewAttribute(typ, nil))
		}
		attrs, err := p.GetAttributeValue(h, o, want)
		if err != nil {
			return nil, err
		}
		label := string(attrs[0].Value)
		if _, dup := objs[label]; dup {
			return nil, fmt.Errorf("two objects labelled %s", label)
		}
		f := found{handle: o}
		if typ != 0 {
			f.value = attrs[1].Value
		}
		objs[label] = f
	}
	return objs, nil
}
