package zone_test

import (
	"fmt"
	"log"

	"github.com/socklab/socklab/harness/zone"
)

func ExampleParseString() {
	z, err := zone.ParseString(`
$ORIGIN example.com.
$TTL 3600
@    IN SOA ns1 hostmaster ( 1 7200 3600 1209600 300 )
     IN NS  ns1
ns1  IN A   192.0.2.1
www  300 IN CNAME ns1
`, "example.zone")
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range z.Records {
		fmt.Println(r)
	}

	_, err = zone.ParseString("$ORIGIN example.com.\nwww 60 IN A 192.0.2.300\n", "bad.zone")
	fmt.Println(err)
	// Output:
	// example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
	// example.com. 3600 IN NS ns1.example.com.
	// ns1.example.com. 3600 IN A 192.0.2.1
	// www.example.com. 300 IN CNAME ns1.example.com.
	// bad.zone:2:13: "192.0.2.300" is not an IPv4 address
}
