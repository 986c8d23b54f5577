using Google.Protobuf;
using Talos.Api.Events;
using Talos.Core.Errors;

namespace Talos.Core.Events;

/// <summary>
/// Encodes and decodes <see cref="NodeEvent"/> envelopes. The binary form is canonical protobuf: Google.Protobuf
/// writes fields in field-number order and the catalogue has no map fields, so equal events give equal bytes.
/// The JSON form (fleet store) uses proto3 JSON mapping with original field names, in field-number order.
/// Decoding is strict: the input must re-encode to the identical bytes (this rejects garbage that happens to
/// parse, unknown fields from newer writers and non-canonical encodings) and must carry a payload.
/// </summary>
public static class EventCodec
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default
        .WithPreserveProtoFieldNames(true)
        .WithFormatEnumsAsIntegers(false));

    // Unknown fields are discarded while parsing so that the canonical re-encoding check below catches them.
    private static readonly MessageParser<NodeEvent> Strict = NodeEvent.Parser.WithDiscardUnknownFields(true);

    private static readonly JsonParser JsonReader = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    /// <summary>The type code stored in the META log frame: the field number of the payload oneof case.</summary>
    public static ushort TypeCode(NodeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return checked((ushort)e.PayloadCase);
    }

    /// <summary>Canonical protobuf bytes of the envelope.</summary>
    public static byte[] Encode(NodeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.PayloadCase == NodeEvent.PayloadOneofCase.None)
            throw new ArgumentException("an event must carry a payload", nameof(e));
        return e.ToByteArray();
    }

    /// <summary>Decodes canonical bytes; throws <see cref="EventDecodeException"/> on anything else.</summary>
    public static NodeEvent Decode(ReadOnlySpan<byte> bytes)
    {
        NodeEvent e;
        try
        {
            e = Strict.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new EventDecodeException("not a protobuf NodeEvent: " + ex.Message, bytes.Length, ex);
        }
        if (e.PayloadCase == NodeEvent.PayloadOneofCase.None)
            throw new EventDecodeException("no known payload", bytes.Length);
        if (!IsCanonical(e, bytes))
            throw new EventDecodeException("not in canonical form (unknown fields or non-canonical encoding)", bytes.Length);
        return e;
    }

    // Re-encodes into a stack or pooled buffer, not a fresh array per event (every META record is decoded at boot).
    // A size mismatch already proves the bytes are not canonical, so most garbage is rejected without encoding.
    private static bool IsCanonical(NodeEvent e, ReadOnlySpan<byte> bytes)
    {
        var size = e.CalculateSize();
        if (size != bytes.Length) return false;
        const int StackLimit = 512;
        byte[]? rented = size > StackLimit ? System.Buffers.ArrayPool<byte>.Shared.Rent(size) : null;
        try
        {
            var buffer = rented is null ? stackalloc byte[StackLimit] : rented;
            var canonical = buffer[..size];
            e.WriteTo(canonical);
            return bytes.SequenceEqual(canonical);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Decodes bytes that a META frame declared to have <paramref name="typeCode"/>.</summary>
    public static NodeEvent Decode(ReadOnlySpan<byte> bytes, ushort typeCode)
    {
        var e = Decode(bytes);
        if (TypeCode(e) != typeCode)
            throw new EventDecodeException($"frame type code {typeCode} but payload is {TypeCode(e)} ({e.PayloadCase})", bytes.Length);
        return e;
    }

    /// <summary>Canonical JSON (proto3 mapping, original snake_case names, enums by name, fields in number order).</summary>
    public static string ToCanonicalJson(NodeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Json.Format(e);
    }

    /// <summary>Parses the canonical JSON form; throws <see cref="EventDecodeException"/> on bad input.</summary>
    public static NodeEvent FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        NodeEvent e;
        try
        {
            e = JsonReader.Parse<NodeEvent>(json);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw new EventDecodeException("not a JSON NodeEvent: " + ex.Message, json.Length, ex);
        }
        if (e.PayloadCase == NodeEvent.PayloadOneofCase.None)
            throw new EventDecodeException("no known payload", json.Length);
        return e;
    }
}
