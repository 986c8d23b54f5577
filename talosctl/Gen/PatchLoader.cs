using Talos.Core.Config;
using Talos.Core.Errors;

namespace Talos.Ctl.Gen;

/// <summary>Reads <c>--config-patch</c> values as upstream: <c>@file</c> reads a file, anything else is the patch itself.</summary>
public static class PatchLoader
{
    /// <summary>Loads every value of one flag, in order.</summary>
    /// <exception cref="GenInputException">A patch file is missing or unreadable.</exception>
    /// <exception cref="ConfigPatchException">A patch is neither a strategic merge patch nor a JSON patch.</exception>
    public static IReadOnlyList<ConfigPatch> Load(IEnumerable<string>? values, string flag)
    {
        var patches = new List<ConfigPatch>();
        foreach (var value in values ?? [])
        {
            var text = value;
            if (value.StartsWith('@'))
            {
                var path = value[1..];
                try
                {
                    text = File.ReadAllText(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new GenInputException(flag, $"{flag}: failed to read patch file \"{path}\": {e.Message}");
                }
            }
            try
            {
                patches.Add(ConfigPatch.Parse(text));
            }
            catch (ConfigPatchException e)
            {
                throw new GenInputException(flag, $"{flag} \"{Shorten(value)}\": {e.Problem}");
            }
        }
        return patches;
    }

    private static string Shorten(string v) => v.Length <= 60 ? v : v[..57] + "...";
}
