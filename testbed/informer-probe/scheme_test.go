package main

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes/scheme"
)

// watchmark's typed-informer verdicts decide "skipped" (another registered
// type) versus "cannot decode" (unregistered) from a copy of client-go's typed
// scheme in src/reflector/client-go-scheme.ts. This test fails when that copy
// and the scheme of the client-go this probe is built with differ.
func TestClientGoSchemeTable(t *testing.T) {
	const table = "../../src/reflector/client-go-scheme.ts"
	src, err := os.ReadFile(table)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^  '([^']+)': \[(.*)\],$`)
	got := map[string]bool{}
	for _, l := range strings.Split(string(src), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		for _, k := range strings.Split(m[2], ", ") {
			got[m[1]+" "+strings.Trim(k, "'")] = true
		}
	}
	want := map[string][]string{}
	count := 0
	for gvk := range scheme.Scheme.AllKnownTypes() {
		if gvk.Version == "__internal" {
			continue
		}
		gv := gvk.GroupVersion().String()
		want[gv] = append(want[gv], gvk.Kind)
		count++
		if !got[gv+" "+gvk.Kind] {
			t.Errorf("%s lacks %s %s", table, gv, gvk.Kind)
		}
	}
	if len(got) != count {
		t.Errorf("%s has %d kinds, client-go's scheme %d", table, len(got), count)
	}
	if t.Failed() {
		gvs := make([]string, 0, len(want))
		for gv := range want {
			gvs = append(gvs, gv)
		}
		sort.Strings(gvs)
		var b strings.Builder
		for _, gv := range gvs {
			kinds := want[gv]
			sort.Strings(kinds)
			b.WriteString("  '" + gv + "': ['" + strings.Join(kinds, "', '") + "'],\n")
		}
		t.Logf("the table's entries for this client-go:\n%s", b.String())
	}
}
