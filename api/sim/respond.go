package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// call is one API request in flight.
type call struct {
	s    *Sim
	w    http.ResponseWriter
	r    *http.Request
	key  string
	drop bool // "accept then drop": do the work, then cut the connection
}

type envelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data any    `json:"data"`
}

// reply answers with the service's envelope and HTTP 200, as the real
// service does for its own errors too.
func (c *call) reply(code int, msg string, data any) {
	c.replyStatus(http.StatusOK, code, msg, data)
}

func (c *call) replyStatus(status, code int, msg string, data any) {
	c.s.logf("sim: %s %s -> %d %d %s", c.r.Method, c.r.URL.Path, status, code, msg)
	if c.drop {
		resetConn(c.w)
		return
	}
	writeJSON(c.w, status, envelope{code, msg, data})
}

// decode reads a JSON body; a body that is not JSON is answered like a
// validation failure.
func (c *call) decode(v any) bool {
	err := json.NewDecoder(io.LimitReader(c.r.Body, maxBody)).Decode(v)
	if err != nil {
		c.reply(422, "Invalid request body: "+err.Error(), nil)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		b = []byte(`{"code":500,"msg":"Server error","data":null}`)
	}
	writeBody(w, status, "application/json", b)
}

func writeBody(w http.ResponseWriter, status int, ctype string, b []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeSpring answers like the Spring Boot error controller behind the
// service: a genuine HTTP error with a body that is not an envelope.
func writeSpring(w http.ResponseWriter, status int, path string, now time.Time) {
	writeJSON(w, status, object{
		{"timestamp", now.UTC().Format("2006-01-02T15:04:05.000+00:00")},
		{"status", status},
		{"error", http.StatusText(status)},
		{"path", path},
	})
}

// writeHTML answers like a CDN error page: HTML where JSON was expected.
func writeHTML(w http.ResponseWriter, status int) {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	page := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
		title + "</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
	writeBody(w, status, "text/html; charset=utf-8", []byte(page))
}

// resetConn drops the connection without an answer. Linger 0 makes it a
// TCP reset, the harshest thing a client can see.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2 or a test recorder: abort the stream instead
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// cutConn sends what was written so far and closes the connection, so the
// client sees a body shorter than its Content-Length.
func cutConn(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// object is a JSON object that keeps its keys in order, so answers look
// exactly like the service's (and the reference examples) byte for byte.
type object []field

type field struct {
	k string
	v any
}

func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := marshal(f.k)
		v, err := marshal(f.v)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping: the service (Java) sends
// "&" in signed links as is, not as \u0026.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
