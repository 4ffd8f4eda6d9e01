// hpack-go runs golang.org/x/net/http2/hpack, a real HPACK implementation, for the
// differential tests of runtime/dataplane/h2/hpack.ts. Octet strings travel as hex so every
// byte 0-255 survives JSON.
//
//	hpack-go encode  stdin: [{"fields": [hexName, hexValue, ...], "tableSize": N, "sensitive": [bool, ...]}]
//	                 stdout: [hexBlock, ...], all from one Encoder (Huffman, dynamic table)
//	hpack-go decode  stdin: [hexBlock, ...]
//	                 stdout: [[hexName, hexValue, ...], ...], all through one Decoder (4096)
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/net/http2/hpack"
)

type headerList struct {
	// TableSize, when set, is passed to SetMaxDynamicTableSize before the block: the encoder
	// then starts the block with a dynamic table size update.
	TableSize *uint32  `json:"tableSize"`
	Fields    []string `json:"fields"`
	// Sensitive[i] marks field i never-indexed (§6.2.3).
	Sensitive []bool `json:"sensitive"`
}

func unhex(s string) string {
	b, err := hex.DecodeString(s)
	if err != nil {
		fail("bad hex %q: %v", s, err)
	}
	return string(b)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "hpack-go: "+format+"\n", args...)
	os.Exit(1)
}

func encode() []string {
	var lists []headerList
	if err := json.NewDecoder(os.Stdin).Decode(&lists); err != nil {
		fail("reading header lists: %v", err)
	}
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	blocks := make([]string, 0, len(lists))
	for i, list := range lists {
		if list.TableSize != nil {
			enc.SetMaxDynamicTableSize(*list.TableSize)
		}
		for f := 0; f+1 < len(list.Fields); f += 2 {
			field := hpack.HeaderField{Name: unhex(list.Fields[f]), Value: unhex(list.Fields[f+1])}
			field.Sensitive = f/2 < len(list.Sensitive) && list.Sensitive[f/2]
			if err := enc.WriteField(field); err != nil {
				fail("header list %d, field %d: %v", i, f/2, err)
			}
		}
		blocks = append(blocks, hex.EncodeToString(buf.Bytes()))
		buf.Reset()
	}
	return blocks
}

func decode() [][]string {
	var blocks []string
	if err := json.NewDecoder(os.Stdin).Decode(&blocks); err != nil {
		fail("reading blocks: %v", err)
	}
	dec := hpack.NewDecoder(4096, nil)
	lists := make([][]string, 0, len(blocks))
	for i, block := range blocks {
		fields, err := dec.DecodeFull([]byte(unhex(block)))
		if err != nil {
			fail("block %d: %v", i, err)
		}
		list := make([]string, 0, 2*len(fields))
		for _, f := range fields {
			list = append(list, hex.EncodeToString([]byte(f.Name)), hex.EncodeToString([]byte(f.Value)))
		}
		lists = append(lists, list)
	}
	return lists
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: hpack-go encode|decode (JSON on stdin, JSON on stdout)")
	}
	var out any
	switch os.Args[1] {
	case "encode":
		out = encode()
	case "decode":
		out = decode()
	default:
		fail("unknown mode %q: encode or decode", os.Args[1])
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("writing: %v", err)
	}
}
