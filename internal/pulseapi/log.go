package pulseapi

import (
	"context"
	"fmt"
	"time"
)

type level int

const (
	levelTrace level = iota
	levelDebug
	levelWarn
)

// fields are the fields every log line of the call carries. Never headers or bodies.
func (cl *call) fields() map[string]any {
	return map[string]any{"method": cl.method, "path": cl.path, "request_id": cl.id}
}

func (c *Client) logAt(ctx context.Context, lv level, msg string, fields map[string]any) {
	switch {
	case c.log == nil:
	case lv == levelWarn:
		c.log.Warn(ctx, msg, fields)
	case lv == levelDebug:
		c.log.Debug(ctx, msg, fields)
	default:
		c.log.Trace(ctx, msg, fields)
	}
}

// leveled routes retryablehttp's own log lines to the Logger, with the call's ctx and fields.
type leveled struct{ cl *call }

func (l leveled) Error(msg string, kv ...any) { l.emit(levelWarn, msg, kv) }
func (l leveled) Warn(msg string, kv ...any)  { l.emit(levelWarn, msg, kv) }
func (l leveled) Info(msg string, kv ...any)  { l.emit(levelDebug, msg, kv) }
func (l leveled) Debug(msg string, kv ...any) { l.emit(levelTrace, msg, kv) }

func (l leveled) emit(lv level, msg string, kv []any) {
	redact := l.cl.c.secrets.Redact
	fields := l.cl.fields()
	// Attempts count from 1 in every line, as in the client's own. retryablehttp logs
	// "performing request" before its RequestLogHook has counted the first attempt: that line
	// is about the attempt to come.
	fields["attempt"] = l.cl.attempt
	if msg == "performing request" {
		fields["attempt"] = l.cl.sent + 1
	}
	if !l.cl.start.IsZero() {
		fields["duration_ms"] = time.Since(l.cl.start).Milliseconds()
	}
	for i := 0; i+1 < len(kv); i += 2 {
		key := fmt.Sprint(kv[i])
		switch v := kv[i+1].(type) {
		case int, int64, bool:
			fields[key] = v
		default:
			fields[key] = redact(fmt.Sprint(v))
		}
	}
	l.cl.c.logAt(l.cl.ctx, lv, "retryablehttp: "+redact(msg), fields)
}
