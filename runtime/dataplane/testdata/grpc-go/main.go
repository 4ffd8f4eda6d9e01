// The native peer of `bun run bench dataplane`: grpc-go serving foo.bar.AdderService/AddFloats
// with a handler that decodes and encodes the two messages by hand (protowire), as generated
// code would, without needing protoc here. Prints `ready <port>` once it listens on 127.0.0.1.
// GOMAXPROCS is set by the bench through the environment.
package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/protobuf/encoding/protowire"
)

// rawCodec hands message bytes to the handler as they are: the handler does its own protobuf.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append((*(v.(*[]byte)))[:0], data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

var _ encoding.Codec = rawCodec{}

// addFloats decodes AddFloatsRequest{float x = 1; float y = 2}, skipping unknown fields, and
// answers AddFloatsResponse{float result = 1}.
func addFloats(request []byte) ([]byte, error) {
	var x, y float32
	for len(request) > 0 {
		number, kind, n := protowire.ConsumeTag(request)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		request = request[n:]
		if kind == protowire.Fixed32Type && (number == 1 || number == 2) {
			bits, m := protowire.ConsumeFixed32(request)
			if m < 0 {
				return nil, protowire.ParseError(m)
			}
			if number == 1 {
				x = math.Float32frombits(bits)
			} else {
				y = math.Float32frombits(bits)
			}
			request = request[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(number, kind, request)
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		request = request[m:]
	}
	result := x + y
	if result == 0 && !math.Signbit(float64(result)) {
		return []byte{}, nil
	}
	out := protowire.AppendTag(make([]byte, 0, 5), 1, protowire.Fixed32Type)
	return protowire.AppendFixed32(out, math.Float32bits(result)), nil
}

func handler(_ any, ctx context.Context, decode func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	var request []byte
	if err := decode(&request); err != nil {
		return nil, err
	}
	response, err := addFloats(request)
	if err != nil {
		return nil, err
	}
	return &response, nil
}

var adderService = grpc.ServiceDesc{
	ServiceName: "foo.bar.AdderService",
	HandlerType: (*any)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "AddFloats", Handler: handler}},
	Metadata:    "adder.proto",
}

func main() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpc-go bench server:", err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}))
	server.RegisterService(&adderService, struct{}{})
	fmt.Printf("ready %d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, "grpc-go bench server:", err)
		os.Exit(1)
	}
}
