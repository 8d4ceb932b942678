package zone_test

import (
	"errors"
	"os"
	"testing"

	"github.com/socklab/socklab/harness/zone"
)

// FuzzParse feeds the parser arbitrary text. It must never panic; an error
// must be a *zone.Error with a position inside the file; and a zone it
// accepts, written out with String, must parse back to the same zone.
func FuzzParse(f *testing.F) {
	for _, path := range []string{"../../assignments/dns/example.com.zone"} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("$ORIGIN e.\n$TTL 1h\n@ SOA ns admin ( 1 2 3 4 5 )\nt TXT \"a\\\"b\" c\\;d\n  A 192.0.2.1\n")
	f.Add("$ORIGIN \\.e.\n$TTL 1\n@ 1 IN SOA @ @ 1 2 3 4 5\n\\065 MX 0 .\n")
	f.Fuzz(func(t *testing.T, src string) {
		z, err := zone.ParseString(src, "f.zone")
		if err != nil {
			var ze *zone.Error
			if !errors.As(err, &ze) {
				t.Fatalf("error %T %v, want *zone.Error", err, err)
			}
			if ze.Line < 1 || ze.Col < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		again, err := zone.ParseString(z.String(), "again.zone")
		if err != nil {
			t.Fatalf("the zone written out does not parse: %v\n%s", err, z)
		}
		if a, b := z.String(), again.String(); a != b {
			t.Fatalf("round trip changed the zone:\n%s\nbecame\n%s", a, b)
		}
	})
}
