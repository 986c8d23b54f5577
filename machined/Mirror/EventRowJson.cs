using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Talos.Machined.Mirror;

/// <summary>
/// The JSON of a mirrored event's <c>mt_events</c> row, written straight to UTF-8: <c>data</c> has the property names
/// and value formats Marten's System.Text.Json serializer writes for <see cref="MirroredEvent"/> (so Marten reads it
/// back as it reads its own rows), and <c>headers</c> is <c>{"hash": …}</c>. The relaxed encoder escapes the embedded
/// event JSON's quotes as <c>\"</c> rather than <c>\u0022</c>: same value, a third fewer bytes for PostgreSQL to parse.
/// One instance per COPY; not thread-safe.
/// </summary>
internal sealed class EventRowJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;

    public EventRowJson() => _writer = new Utf8JsonWriter(_buffer, Options);

    /// <summary>The <c>data</c> column of <paramref name="m"/> (valid until the next call).</summary>
    public ReadOnlyMemory<byte> Data(MirroredEvent m)
    {
        var w = Start();
        w.WriteStartObject();
        w.WriteNumber("Sequence", m.Sequence);
        w.WriteNumber("Type", m.Type);
        w.WriteString("TypeName", m.TypeName);
        w.WriteString("Json", m.Json);
        w.WriteString("Payload", m.Payload);
        w.WriteString("Hash", m.Hash);
        w.WriteString("PreviousHash", m.PreviousHash);
        w.WriteString("Time", m.Time);
        w.WriteEndObject();
        return Finish();
    }

    /// <summary>The <c>headers</c> column of <paramref name="m"/> (valid until the next call).</summary>
    public ReadOnlyMemory<byte> Headers(MirroredEvent m)
    {
        var w = Start();
        w.WriteStartObject();
        w.WriteString("hash", m.Hash);
        w.WriteEndObject();
        return Finish();
    }

    private Utf8JsonWriter Start()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        return _writer;
    }

    private ReadOnlyMemory<byte> Finish()
    {
        _writer.Flush();
        return _buffer.WrittenMemory;
    }
}
