using System.Text.RegularExpressions;

namespace Stateport.Storage.FlinkConfig;

/// <summary>A Flink release, e.g. 1.20.1. The patch level is optional ("1.20").</summary>
public sealed partial record FlinkVersion(int Major, int Minor, int? Patch = null) : IComparable<FlinkVersion>
{
    public static FlinkVersion Parse(string text) =>
        TryParse(text, out var version) ? version : throw new FormatException($"'{text}' is not a Flink version (expected e.g. 1.20.1)");

    public static bool TryParse(string? text, out FlinkVersion version)
    {
        version = null!;
        var match = text is null ? Match.Empty : VersionPattern().Match(text.Trim());
        if (!match.Success)
        {
            return false;
        }
        version = new FlinkVersion(
            int.Parse(match.Groups["major"].Value),
            int.Parse(match.Groups["minor"].Value),
            match.Groups["patch"].Success ? int.Parse(match.Groups["patch"].Value) : null);
        return true;
    }

    /// <summary>From an image reference such as <c>apache/flink:1.20.1-scala_2.12-java17</c> or <c>flink:2.0</c>.</summary>
    public static FlinkVersion? FromImageTag(string image)
    {
        var colon = image.LastIndexOf(':');
        if (colon < 0 || image.IndexOf('/', colon) >= 0)
        {
            return null;
        }
        var match = LeadingVersionPattern().Match(image[(colon + 1)..]);
        return match.Success && TryParse(match.Value, out var version) ? version : null;
    }

    /// <summary>From <c>lib/flink-dist-&lt;v&gt;.jar</c> (or the older <c>flink-dist_2.12-&lt;v&gt;.jar</c>) under a Flink home.</summary>
    public static FlinkVersion? FromFlinkHome(string flinkHome)
    {
        var lib = Path.Combine(flinkHome, "lib");
        if (!Directory.Exists(lib))
        {
            return null;
        }
        foreach (var jar in Directory.EnumerateFiles(lib, "flink-dist*.jar"))
        {
            var match = DistJarPattern().Match(Path.GetFileName(jar));
            if (match.Success && TryParse(match.Groups["version"].Value, out var version))
            {
                return version;
            }
        }
        return null;
    }

    public bool AtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);

    public int CompareTo(FlinkVersion? other)
    {
        if (other is null)
        {
            return 1;
        }
        var byMajor = Major.CompareTo(other.Major);
        if (byMajor != 0)
        {
            return byMajor;
        }
        var byMinor = Minor.CompareTo(other.Minor);
        return byMinor != 0 ? byMinor : (Patch ?? 0).CompareTo(other.Patch ?? 0);
    }

    public static bool operator <(FlinkVersion left, FlinkVersion right) => left.CompareTo(right) < 0;

    public static bool operator <=(FlinkVersion left, FlinkVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >(FlinkVersion left, FlinkVersion right) => left.CompareTo(right) > 0;

    public static bool operator >=(FlinkVersion left, FlinkVersion right) => left.CompareTo(right) >= 0;

    public override string ToString() => Patch is null ? $"{Major}.{Minor}" : $"{Major}.{Minor}.{Patch}";

    [GeneratedRegex(@"^(?<major>\d+)\.(?<minor>\d+)(?:\.(?<patch>\d+))?$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"^\d+\.\d+(?:\.\d+)?")]
    private static partial Regex LeadingVersionPattern();

    [GeneratedRegex(@"^flink-dist(?:_\d+\.\d+)?-(?<version>\d+\.\d+(?:\.\d+)?)\.jar$")]
    private static partial Regex DistJarPattern();
}
