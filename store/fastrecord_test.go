package store

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzFastRecord holds fastRecord to encoding/json: whenever it decodes
// something, encoding/json decodes the same to the same record.
func FuzzFastRecord(f *testing.F) {
	for _, task := range fullTasks() {
		data, err := encodeTask(task)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"kind":"generate","request":{"prompt":"a \u00e9\n\"q\" \\ / \u003cb\u003e"},"status":"running","events":[],"createdAt":-5,"updatedAt":0}`))
	f.Add([]byte(`{"kind":"x","request":{"prompt":"\ud83d\ude00"},"createdAt":1.5}`))
	f.Add([]byte(` { "taskId" : null , "seeds" : [ 1 , 2 ] , "creditsBefore" : 1e3 , "hasAudio":[true,false] } `))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkIndexFields(t, data)
		var fast record
		if !fastRecord(data, &fast) {
			return
		}
		var slow record
		if err := json.Unmarshal(data, &slow); err != nil {
			t.Fatalf("fastRecord decoded what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fastRecord and encoding/json differ on %q:\nfast %+v\nslow %+v", data, fast, slow)
		}
	})
}

// Every field a record has is decoded by the fast path: a field added to
// the record but not to fastRecord would make every task decode the slow
// way. Tasks with every field set must not fall back.
func TestFastRecordKnowsEveryField(t *testing.T) {
	for _, task := range fullTasks() {
		data, err := encodeTask(task)
		if err != nil {
			t.Fatal(err)
		}
		var fast, slow record
		if !fastRecord(data, &fast) {
			t.Fatalf("fastRecord gave up on a record veox wrote: %s", data)
		}
		if err := json.Unmarshal(data, &slow); err != nil || !reflect.DeepEqual(fast, slow) {
			t.Fatalf("differs from encoding/json (%v) on %s", err, data)
		}
		assertAllSet(t, reflect.ValueOf(slow), "record")
	}
}

// Check reads the index fields of every record veox writes without the
// full decoder: a record with every field set must not make
// fastIndexFields give up (every field it skips used to, so 'veox doctor'
// decoded each task twice), and it reads what the full decoder reads.
func TestFastIndexFieldsReadsRecordsVeoxWrote(t *testing.T) {
	for _, task := range fullTasks() {
		data, err := encodeTask(task)
		if err != nil {
			t.Fatal(err)
		}
		light := &Task{LocalID: task.LocalID}
		if !fastIndexFields(data, light) {
			t.Fatalf("fastIndexFields gave up on a record veox wrote: %s", data)
		}
		full, err := decodeTask(task.LocalID, data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(indexEntries(light), indexEntries(full)) {
			t.Fatalf("index fields differ:\nlight %+v\nfull  %+v", indexEntries(light), indexEntries(full))
		}
	}
	// A record that names another id than its key is the full decoder's
	// to refuse.
	named := []byte(`{"localId":"l1","kind":"generate","status":"running","createdAt":5}`)
	if !fastIndexFields(named, &Task{LocalID: "l1"}) || fastIndexFields(named, &Task{LocalID: "another"}) {
		t.Fatal("fastIndexFields: a record's own id is read, another key's is the full decoder's")
	}
}

// fullTasks are tasks with every field of a record set.
func fullTasks() []*Task {
	c := epoch.Add(123 * time.Millisecond)
	full := &Task{LocalID: "l1", TaskID: "t1", Kind: KindExtend, ParentID: "p1", Status: StatusSucceeded,
		Request: Request{Prompt: "A fox \"quoted\" <b>\n\té ✓", Model: "veo3_fast", Seed: 12345, Watermark: "w", CallbackURL: "https://c/b",
			GenerationType: "TEXT_2_VIDEO", ImageURLs: []string{"https://i/1.jpg"}, AspectRatio: "16:9", Resolution: "720p", Duration: 8,
			UpscaleTo: "4k", Index: 1},
		Events:     []Event{{At: c.Add(time.Second), Status: StatusSubmitting, Note: "n"}},
		ResultURLs: []string{"https://r/0.mp4"}, FullResultURLs: []string{"https://r/f.mp4"}, OriginURLs: []string{"https://o"},
		URLsAt: c.Add(time.Second), Resolution: "720p", Seeds: []int{1, 2}, HasAudio: []bool{true, false}, Upscaled1080: true,
		CreditsBefore: 100.25, CreditsAfter: 40.5,
		Charge: &Charge{State: ChargeRefunded, Credits: 0.5, Billed: 60.25, When: ChargedAtAcceptance, From: c.Add(time.Millisecond), To: c.Add(time.Second),
			EndFrom: c.Add(time.Minute), EndTo: c.Add(2 * time.Minute), Note: "n \"q\""},
		Files: []File{{Path: "/v/a.mp4", URL: "https://r/f.mp4", Size: 9, SHA256: "ab", Duration: 8 * time.Second, DownloadedAt: c.Add(time.Minute), Part: true},
			{Path: "/v/b.mp4", URL: "https://elsewhere", Size: 1}},
		Error:     &TaskError{Code: 501, Kind: "k", Message: "m", Hint: "h"},
		CreatedAt: c, SubmittedAt: c.Add(time.Second), CompletedAt: c.Add(time.Minute), UpdatedAt: c.Add(time.Hour), PolledAt: c.Add(time.Hour)}
	salvaged := *full
	return []*Task{full, &salvaged}
}

// assertAllSet fails for a field of v left at its zero value (the local
// id, which records leave to the key, aside).
func assertAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			t.Errorf("%s is not set by the full tasks", path)
			return
		}
		assertAllSet(t, v.Elem(), path)
	case reflect.Struct:
		for i := range v.NumField() {
			name := v.Type().Field(i).Name
			if name == "LocalID" {
				continue
			}
			assertAllSet(t, v.Field(i), path+"."+name)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			t.Errorf("%s is empty in the full tasks", path)
			return
		}
		if v.Index(0).Kind() != reflect.Struct {
			assertAllSet(t, v.Index(0), path+"[0]")
			return
		}
		// A field of the elements is set if it is set in one of them.
		for i := range v.Index(0).NumField() {
			set := false
			for j := range v.Len() {
				set = set || !v.Index(j).Field(i).IsZero()
			}
			if !set {
				t.Errorf("%s[].%s is zero in every element", path, v.Index(0).Type().Field(i).Name)
			}
		}
	default:
		if v.IsZero() && v.Kind() != reflect.Bool {
			t.Errorf("%s is zero in the full tasks", path)
		}
	}
}

// checkIndexFields: what fastIndexFields reads is what the full decoder
// reads, and it accepts only syntactically valid JSON.
func checkIndexFields(t *testing.T, data []byte) {
	light := &Task{LocalID: "l1"}
	if !fastIndexFields(data, light) {
		return
	}
	if !json.Valid(data) {
		t.Fatalf("fastIndexFields accepted invalid JSON: %q", data)
	}
	full, err := decodeTask("l1", data)
	if err != nil {
		return // a value of the wrong type in a skipped field: the full decoder refuses it
	}
	if !reflect.DeepEqual(indexEntries(light), indexEntries(full)) {
		t.Fatalf("index fields differ on %q:\nlight %+v\nfull  %+v", data, indexEntries(light), indexEntries(full))
	}
}

func TestFastKeyListsMatchTheStructs(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		keys []string
	}{{reflect.TypeFor[record](), recordKeys()}, {reflect.TypeFor[Request](), requestKeys()}} {
		var tags []string
		for i := range c.typ.NumField() {
			tags = append(tags, strings.Split(c.typ.Field(i).Tag.Get("json"), ",")[0])
		}
		if !reflect.DeepEqual(tags, c.keys) {
			t.Errorf("%s: JSON names %q, the fast decoder knows %q", c.typ, tags, c.keys)
		}
	}
}

// The keys fastIndexFields skips without folding are exactly the record's
// own keys it does not read (it reads the request whole).
func TestOtherKeysAreTheKeysNotRead(t *testing.T) {
	for _, c := range []struct {
		all, read []string
		other     func([]byte) bool
	}{{recordKeys(), indexRecordKeys(), otherRecordKey}} {
		for _, k := range c.all {
			if c.other([]byte(k)) == slices.Contains(c.read, k) {
				t.Errorf("key %q: read %v, skipped unfolded %v", k, slices.Contains(c.read, k), c.other([]byte(k)))
			}
		}
		if c.other([]byte("EVENTS")) || c.other([]byte("Prompt")) {
			t.Error("a key spelled otherwise is skipped unfolded")
		}
	}
}
