// A grpc-go client for the data plane's real-client suite (clients.test.ts): one scenario per
// run against one address, over one ClientConn, with messages encoded by hand (protowire) as
// generated code would, without protoc. Prints one JSON object with what it saw; the suite
// asserts on it. Exits non-zero only when the scenario could not run at all.
//
//	grpc-go-client -addr HOST:PORT -scenario unary -calls 2000 -inflight 100
//	grpc-go-client -addr HOST:PORT -scenario double -size 524000 [-window 65536]
//	grpc-go-client -addr HOST:PORT -scenario deadline -timeout 100ms
//	grpc-go-client -addr HOST:PORT -scenario metadata
//	grpc-go-client -addr HOST:PORT -scenario unknown
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

// rawCodec replaces the proto codec: messages are []byte encoded here, and the content type
// stays application/grpc as a generated client's.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append((*(v.(*[]byte)))[:0], data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func init() { encoding.RegisterCodec(rawCodec{}) }

// connections counts the transports the ClientConn opened.
type connections struct{ opened atomic.Int32 }

func (c *connections) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (c *connections) HandleRPC(context.Context, stats.RPCStats)                       {}
func (c *connections) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (c *connections) HandleConn(_ context.Context, s stats.ConnStats) {
	if _, ok := s.(*stats.ConnBegin); ok {
		c.opened.Add(1)
	}
}

const (
	addFloats = "/foo.bar.AdderService/AddFloats"
	double    = "/vimana.test.Tester/Double"
	spin      = "/vimana.test.Tester/Spin"
)

// callError is a failed call's gRPC status.
type callError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func statusOf(err error) *callError {
	if err == nil {
		return nil
	}
	s := status.Convert(err)
	return &callError{Code: int(s.Code()), Message: s.Message()}
}

func addFloatsRequest(x, y float32) []byte {
	out := protowire.AppendTag(nil, 1, protowire.Fixed32Type)
	out = protowire.AppendFixed32(out, math.Float32bits(x))
	out = protowire.AppendTag(out, 2, protowire.Fixed32Type)
	return protowire.AppendFixed32(out, math.Float32bits(y))
}

// addFloatsResult reads AddFloatsResponse{float result = 1} (absent: 0).
func addFloatsResult(message []byte) (float32, error) {
	var result float32
	for len(message) > 0 {
		number, kind, n := protowire.ConsumeTag(message)
		if n < 0 {
			return 0, protowire.ParseError(n)
		}
		message = message[n:]
		m := protowire.ConsumeFieldValue(number, kind, message)
		if m < 0 {
			return 0, protowire.ParseError(m)
		}
		if number == 1 && kind == protowire.Fixed32Type {
			bits, _ := protowire.ConsumeFixed32(message)
			result = math.Float32frombits(bits)
		}
		message = message[m:]
	}
	return result, nil
}

// blob is Blob{bytes data = 1}.
func blob(data []byte) []byte {
	out := protowire.AppendTag(make([]byte, 0, len(data)+8), 1, protowire.BytesType)
	return protowire.AppendBytes(out, data)
}

func blobData(message []byte) ([]byte, error) {
	var data []byte
	for len(message) > 0 {
		number, kind, n := protowire.ConsumeTag(message)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		message = message[n:]
		if number == 1 && kind == protowire.BytesType {
			value, m := protowire.ConsumeBytes(message)
			if m < 0 {
				return nil, protowire.ParseError(m)
			}
			data = value
			message = message[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(number, kind, message)
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		message = message[m:]
	}
	return data, nil
}

func call(ctx context.Context, conn *grpc.ClientConn, method string, request []byte, opts ...grpc.CallOption) ([]byte, error) {
	var response []byte
	err := conn.Invoke(ctx, method, &request, &response, opts...)
	return response, err
}

// unary: `calls` AddFloats with `inflight` at a time; every answer checked.
func unary(conn *grpc.ClientConn, calls, inflight int) map[string]any {
	var ok, wrong atomic.Int32
	var mu sync.Mutex
	failures := map[string]int{}
	var firstWrong string
	next := atomic.Int32{}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < inflight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= calls {
					return
				}
				x, y := float32(i)*0.25, float32(-1.5)
				response, err := call(context.Background(), conn, addFloats, addFloatsRequest(x, y))
				if err != nil {
					mu.Lock()
					failures[fmt.Sprint(statusOf(err))]++
					mu.Unlock()
					continue
				}
				got, err := addFloatsResult(response)
				if err != nil || got != x+y {
					if wrong.Add(1) == 1 {
						mu.Lock()
						firstWrong = fmt.Sprintf("%v + %v: got %v (%v)", x, y, got, err)
						mu.Unlock()
					}
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	return map[string]any{
		"calls": calls, "ok": ok.Load(), "wrong": wrong.Load(), "firstWrong": firstWrong,
		"failures": failures, "seconds": time.Since(start).Seconds(),
	}
}

// doubled: Double of `size` patterned bytes; the answer must be them twice over.
func doubled(conn *grpc.ClientConn, size int) map[string]any {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	response, err := call(context.Background(), conn, double, blob(data))
	if err != nil {
		return map[string]any{"error": statusOf(err)}
	}
	got, err := blobData(response)
	if err != nil {
		return map[string]any{"error": &callError{Code: -1, Message: err.Error()}}
	}
	return map[string]any{
		"requestBytes": len(blob(data)), "responseBytes": len(response),
		"right": bytes.Equal(got, append(append([]byte{}, data...), data...)),
	}
}

// deadline: Spin with a deadline shorter than its run, then Double on the same connection; and
// AddFloats with a deadline it meets (the server must read grpc-go's grpc-timeout).
func deadline(conn *grpc.ClientConn, timeout time.Duration) map[string]any {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	start := time.Now()
	_, err := call(ctx, conn, spin, blob(nil))
	elapsed := time.Since(start)
	cancel()
	after, afterErr := call(context.Background(), conn, double, blob([]byte("ab")))
	afterData, _ := blobData(after)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	met, metErr := call(ctx, conn, double, blob([]byte("cd")))
	metData, _ := blobData(met)
	return map[string]any{
		"expired": statusOf(err), "expiredAfterMs": elapsed.Milliseconds(),
		"nextCall": string(afterData), "nextError": statusOf(afterErr),
		"withinDeadline": string(metData), "withinDeadlineError": statusOf(metErr),
	}
}

// withMetadata: AddFloats carrying custom ASCII and binary (-bin) metadata.
func withMetadata(conn *grpc.ClientConn) map[string]any {
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"x-vimana-test", "plain value", "x-vimana-trace-bin", string([]byte{0, 1, 0xfe, 0xff}))
	var header, trailer metadata.MD
	response, err := call(ctx, conn, addFloats, addFloatsRequest(2, 0.5), grpc.Header(&header), grpc.Trailer(&trailer))
	result, _ := addFloatsResult(response)
	return map[string]any{"result": result, "error": statusOf(err), "contentType": header.Get("content-type")}
}

func main() {
	addr := flag.String("addr", "", "server address, HOST:PORT")
	scenario := flag.String("scenario", "", "unary, double, deadline, metadata or unknown")
	calls := flag.Int("calls", 2000, "unary: calls")
	inflight := flag.Int("inflight", 100, "unary: calls in flight at once")
	size := flag.Int("size", 524000, "double: request data bytes")
	window := flag.Int("window", 0, "initial stream and connection window (bytes; grpc-go's minimum is 65536)")
	timeout := flag.Duration("timeout", 100*time.Millisecond, "deadline: the deadline that expires")
	flag.Parse()
	counted := &connections{}
	options := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(counted),
	}
	if *window > 0 {
		options = append(options,
			grpc.WithInitialWindowSize(int32(*window)), grpc.WithInitialConnWindowSize(int32(*window)))
	}
	conn, err := grpc.NewClient(*addr, options...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpc-go-client:", err)
		os.Exit(2)
	}
	defer conn.Close()
	var result map[string]any
	switch *scenario {
	case "unary":
		result = unary(conn, *calls, *inflight)
	case "double":
		result = doubled(conn, *size)
	case "deadline":
		result = deadline(conn, *timeout)
	case "metadata":
		result = withMetadata(conn)
	case "unknown":
		_, err := call(context.Background(), conn, "/foo.bar.AdderService/Nope", addFloatsRequest(1, 2))
		result = map[string]any{"error": statusOf(err)}
	default:
		fmt.Fprintf(os.Stderr, "grpc-go-client: unknown -scenario %q\n", *scenario)
		os.Exit(2)
	}
	result["connections"] = counted.opened.Load()
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		fmt.Fprintln(os.Stderr, "grpc-go-client:", err)
		os.Exit(2)
	}
}
