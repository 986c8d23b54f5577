using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl meta write &lt;key&gt; &lt;value&gt;</c> / <c>meta delete &lt;key&gt;</c>; keys as upstream: 0x.. hex or decimal, one byte.</summary>
public static class MetaCommand
{
    /// <summary>Builds the command tree.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var insecure = NodeOptions.Insecure();
        var cmd = new Command("meta", "Write and delete keys in the META partition") { insecure };
        var key = new Argument<string>("key");
        var value = new Argument<string>("value");
        var write = new Command("write", "Write a key-value pair to the META partition") { key, value };
        write.SetAction((r, ct) =>
        {
            var k = ParseKey(r.GetValue(key)!);
            var request = new MetaWriteRequest { Key = k, Value = ByteString.CopyFromUtf8(r.GetValue(value)!) };
            return NodeOptions.RunAsync(r, g, r.GetValue(insecure), clients => FanOut.EachAsync(clients, io, async c =>
            {
                await c.Machine.MetaWriteAsync(request, c.Call(ct));
                return 0;
            }));
        });
        var delKey = new Argument<string>("key");
        var delete = new Command("delete", "Delete a key from the META partition") { delKey };
        delete.SetAction((r, ct) =>
        {
            var request = new MetaDeleteRequest { Key = ParseKey(r.GetValue(delKey)!) };
            return NodeOptions.RunAsync(r, g, r.GetValue(insecure), clients => FanOut.EachAsync(clients, io, async c =>
            {
                await c.Machine.MetaDeleteAsync(request, c.Call(ct));
                return 0;
            }));
        });
        insecure.Recursive = true;
        cmd.Subcommands.Add(write);
        cmd.Subcommands.Add(delete);
        return cmd;
    }

    /// <summary>Parses a key like Go's <c>strconv.ParseUint(s, 0, 8)</c>: <c>0x</c> hex, <c>0o</c>/<c>0</c> octal or decimal, 0..255.</summary>
    /// <exception cref="UsageException">Not a number or out of range.</exception>
    public static uint ParseKey(string s)
    {
        var t = s.Replace("_", "", StringComparison.Ordinal);
        ulong v;
        var ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? ulong.TryParse(t[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v)
            : t.StartsWith("0b", StringComparison.OrdinalIgnoreCase) ? TryBase(t[2..], 2, out v)
            : t.StartsWith("0o", StringComparison.OrdinalIgnoreCase) ? TryBase(t[2..], 8, out v)
            : t.Length > 1 && t[0] == '0' ? TryBase(t[1..], 8, out v)
            : ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (!ok || t.Length == 0) throw new UsageException($"invalid META key \"{s}\": expected a number such as 0x0a or 10");
        if (v > 255) throw new UsageException($"invalid META key \"{s}\": keys are one byte (0x00..0xff)");
        return (uint)v;
    }

    private static bool TryBase(string digits, int radix, out ulong v)
    {
        v = 0;
        try
        {
            v = digits.Length > 0 ? Convert.ToUInt64(digits, radix) : ulong.MaxValue;
            return digits.Length > 0;
        }
        catch (FormatException) { return false; }
        catch (OverflowException) { v = ulong.MaxValue; return true; }
    }
}
