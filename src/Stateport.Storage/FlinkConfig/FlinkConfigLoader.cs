using System.Text.RegularExpressions;

namespace Stateport.Storage.FlinkConfig;

/// <summary>How the Docker image turns <c>FLINK_PROPERTIES</c> into configuration.</summary>
public enum FlinkPropertiesSemantics
{
    /// <summary>Images ≤ 1.18: the text is appended to flink-conf.yaml, then envsubst runs over the whole file.</summary>
    Appended,
    /// <summary>Images 1.19+: all whitespace deleted, split at the first ':', value envsubst'ed, applied as -D.</summary>
    WhitespaceDeleting,
}

/// <summary>Inputs besides the file: version, overlays and the environment.</summary>
public sealed record FlinkConfigLoadOptions
{
    /// <summary>The target Flink version; when null it is inferred from <c>../lib/flink-dist-*.jar</c> if possible.</summary>
    public FlinkVersion? Version { get; init; }

    /// <summary>Forces the file format; by default it follows the file name and version.</summary>
    public FlinkConfigFormat? Format { get; init; }

    /// <summary>The <c>FLINK_PROPERTIES</c> text; when null it is taken from <see cref="Environment"/>.</summary>
    public string? FlinkProperties { get; init; }

    /// <summary>By default chosen by version (≤ 1.18 appended; otherwise whitespace-deleting).</summary>
    public FlinkPropertiesSemantics? FlinkPropertiesSemantics { get; init; }

    /// <summary>Dynamic properties "key=value" (a leading "-D" is accepted), applied last.</summary>
    public IReadOnlyList<string> DynamicProperties { get; init; } = [];

    /// <summary>Environment for envsubst and FLINK_PROPERTIES; null means the process environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

/// <summary>Reads a Flink configuration file or conf directory the way the given Flink version would.</summary>
public static partial class FlinkConfigLoader
{
    public const string LegacyFileName = "flink-conf.yaml";
    public const string YamlFileName = "config.yaml";

    /// <summary>
    /// Loads <paramref name="path"/>: a file (<c>flink-conf.yaml</c>, <c>config.yaml</c>) or a conf
    /// directory, in which the file is chosen as Flink would for the version.
    /// </summary>
    /// <exception cref="FlinkConfigException">Missing or malformed file (message has file:line, no values).</exception>
    public static FlinkConfiguration Load(string path, FlinkConfigLoadOptions? options = null)
    {
        options ??= new FlinkConfigLoadOptions();
        var fileFindings = new List<FlinkFinding>();
        string file;
        string choice;
        FlinkConfigFormat format;
        var version = options.Version;
        if (Directory.Exists(path))
        {
            version ??= FlinkVersion.FromFlinkHome(Path.Combine(path, ".."));
            (file, format, choice) = ChooseFile(path, version, fileFindings);
        }
        else if (File.Exists(path))
        {
            version ??= FlinkVersion.FromFlinkHome(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ".."));
            file = path;
            (format, choice) = FormatOfFile(path, version, options.Format, fileFindings);
        }
        else
        {
            throw new FlinkConfigException($"{path}: no such file or directory");
        }
        var text = File.ReadAllText(file);
        var config = Parse(text, format, Path.GetFileName(file), options with { Version = version, Format = format });
        config.FilePath = Path.GetFullPath(file);
        config.FileChoice = choice;
        foreach (var finding in fileFindings)
        {
            config.AddFinding(finding);
        }
        return config;
    }

    /// <summary>Parses configuration text and applies the overlays from <paramref name="options"/>.</summary>
    public static FlinkConfiguration Parse(string text, FlinkConfigFormat format, string fileName, FlinkConfigLoadOptions? options = null)
    {
        options ??= new FlinkConfigLoadOptions();
        var environment = options.Environment ?? ProcessEnvironment();
        var config = new FlinkConfiguration(fileName, format, options.Version);
        var properties = options.FlinkProperties ?? environment.GetValueOrDefault("FLINK_PROPERTIES");
        var semantics = options.FlinkPropertiesSemantics
            ?? (options.Version is { } v && !v.AtLeast(1, 19) ? FlinkPropertiesSemantics.Appended : FlinkPropertiesSemantics.WhitespaceDeleting);
        if (semantics == FlinkPropertiesSemantics.Appended && format == FlinkConfigFormat.Yaml && !string.IsNullOrEmpty(properties))
        {
            config.AddFinding(new(FlinkFindingSeverity.Warn, null, "FLINK_PROPERTIES",
                "appended FLINK_PROPERTIES semantics only apply to flink-conf.yaml; using the 1.19+ semantics"));
            semantics = FlinkPropertiesSemantics.WhitespaceDeleting;
        }
        var appendLegacy = semantics == FlinkPropertiesSemantics.Appended && !string.IsNullOrEmpty(properties);
        if (format == FlinkConfigFormat.Legacy)
        {
            // The ≤ 1.18 entrypoint runs envsubst over the whole file, not just the appended lines.
            var fileText = appendLegacy ? SubstituteFileLines(text, fileName, environment, config) : text;
            LegacyConfigParser.Parse(fileText, config, line => $"{fileName}:{line}", FlinkConfigOrigin.File);
        }
        else
        {
            YamlConfigParser.Parse(text, config);
        }
        if (appendLegacy)
        {
            LegacyConfigParser.Parse(Envsubst(properties!, environment, config, "FLINK_PROPERTIES"), config, _ => "FLINK_PROPERTIES", FlinkConfigOrigin.FlinkProperties);
        }
        else if (!string.IsNullOrEmpty(properties))
        {
            ApplyModernFlinkProperties(properties, config, environment);
        }
        foreach (var pair in options.DynamicProperties)
        {
            ApplyDynamicProperty(pair, config);
        }
        return config;
    }

    /// <summary>The process environment as a dictionary (the default for every environment input).</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = entry.Value as string ?? "";
        }
        return result;
    }

    private static (string File, FlinkConfigFormat Format, string Choice) ChooseFile(string dir, FlinkVersion? version, List<FlinkFinding> findings)
    {
        var legacy = Path.Combine(dir, LegacyFileName);
        var yaml = Path.Combine(dir, YamlFileName);
        var hasLegacy = File.Exists(legacy);
        var hasYaml = File.Exists(yaml);
        var versionText = version is null ? "Flink version unknown, assuming 1.19/1.20 rules" : $"Flink {version}";
        if (version is null)
        {
            findings.Add(new(FlinkFindingSeverity.Info, null, null,
                "Flink version unknown (give --flink-version or point at a Flink home with lib/flink-dist-*.jar); file choice follows 1.19/1.20"));
        }
        if (version is not null && !version.AtLeast(1, 19))
        {
            if (!hasLegacy)
            {
                throw new FlinkConfigException($"{dir}: no {LegacyFileName} (Flink {version} reads only that file)");
            }
            if (hasYaml)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, null, YamlFileName, $"both files exist; Flink {version} ignores {YamlFileName}"));
            }
            return (legacy, FlinkConfigFormat.Legacy, $"{LegacyFileName} ({versionText} reads only {LegacyFileName})");
        }
        if (version is not null && version.Major >= 2)
        {
            if (!hasYaml)
            {
                throw new FlinkConfigException(hasLegacy
                    ? $"{dir}: only {LegacyFileName}, which Flink {version} ignores; convert it with bin/migrate-config-file.sh (Flink 1.19/1.20) to {YamlFileName}"
                    : $"{dir}: no {YamlFileName} (Flink {version} requires it)");
            }
            if (hasLegacy)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, null, LegacyFileName, $"both files exist; Flink {version} ignores {LegacyFileName}"));
            }
            return (yaml, FlinkConfigFormat.Yaml, $"{YamlFileName} ({versionText} reads only {YamlFileName})");
        }
        if (hasLegacy)
        {
            if (hasYaml)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, null, YamlFileName,
                    $"both files exist; {LegacyFileName} wins in Flink 1.19/1.20 and {YamlFileName} is ignored (some third-party readers do the opposite)"));
            }
            return (legacy, FlinkConfigFormat.Legacy, $"{LegacyFileName} ({versionText}: {LegacyFileName} wins when present)");
        }
        if (hasYaml)
        {
            return (yaml, FlinkConfigFormat.Yaml, $"{YamlFileName} ({versionText}: no {LegacyFileName})");
        }
        throw new FlinkConfigException($"{dir}: neither {LegacyFileName} nor {YamlFileName} found");
    }

    private static (FlinkConfigFormat Format, string Choice) FormatOfFile(string path, FlinkVersion? version, FlinkConfigFormat? forced, List<FlinkFinding> findings)
    {
        var name = Path.GetFileName(path);
        var sibling = (string other) => File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, other));
        FlinkConfigFormat format;
        if (forced is { } f)
        {
            format = f;
        }
        else if (name.Equals(YamlFileName, StringComparison.OrdinalIgnoreCase))
        {
            format = FlinkConfigFormat.Yaml;
        }
        else if (name.Contains("flink-conf", StringComparison.OrdinalIgnoreCase) || version is not null && !version.AtLeast(1, 19))
        {
            format = FlinkConfigFormat.Legacy;
        }
        else
        {
            format = FlinkConfigFormat.Yaml;
            findings.Add(new(FlinkFindingSeverity.Info, null, name, $"file name is neither {LegacyFileName} nor {YamlFileName}; reading it as standard YAML ({YamlFileName})"));
        }
        if (format == FlinkConfigFormat.Yaml && version is not null && !version.AtLeast(1, 19))
        {
            findings.Add(new(FlinkFindingSeverity.Error, null, name, $"Flink {version} does not read {YamlFileName}; it reads only {LegacyFileName}"));
        }
        if (format == FlinkConfigFormat.Legacy && version is { Major: >= 2 })
        {
            findings.Add(new(FlinkFindingSeverity.Error, null, name,
                $"Flink {version} ignores {LegacyFileName}; convert it with bin/migrate-config-file.sh (Flink 1.19/1.20) to {YamlFileName}"));
        }
        if (format == FlinkConfigFormat.Yaml && version is { Major: 1 } && version.AtLeast(1, 19) && sibling(LegacyFileName))
        {
            findings.Add(new(FlinkFindingSeverity.Warn, null, name, $"a {LegacyFileName} next to this file wins in Flink 1.19/1.20; this file is ignored there"));
        }
        if (format == FlinkConfigFormat.Legacy && version is null or { Major: 1 } && sibling(YamlFileName))
        {
            findings.Add(new(FlinkFindingSeverity.Warn, null, name, $"a {YamlFileName} exists next to this file; Flink 1.x reads this one, Flink 2.x only {YamlFileName}"));
        }
        var how = format == FlinkConfigFormat.Legacy ? "legacy key: value parser" : "YAML parser";
        return (format, $"{name} (given explicitly; {how})");
    }

    private static string SubstituteFileLines(string text, string fileName, IReadOnlyDictionary<string, string> environment, FlinkConfiguration config)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = Envsubst(lines[i], environment, config, $"{fileName}:{i + 1}");
        }
        return string.Join('\n', lines);
    }

    private static void ApplyModernFlinkProperties(string properties, FlinkConfiguration config, IReadOnlyDictionary<string, string> environment)
    {
        foreach (var rawLine in properties.Split('\n'))
        {
            var line = WhitespacePattern().Replace(rawLine, "");
            if (line.Length == 0)
            {
                continue;
            }
            var colon = line.IndexOf(':');
            var key = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (key.StartsWith('#'))
            {
                config.AddFinding(new(FlinkFindingSeverity.Warn, key, "FLINK_PROPERTIES",
                    "comment lines are not stripped by the 1.19+ entrypoint and become bogus keys; remove them"));
            }
            if (WhitespacePattern().IsMatch(rawLine.Trim()) && colon >= 0)
            {
                var rawValue = rawLine[(rawLine.IndexOf(':') + 1)..].Trim();
                if (WhitespacePattern().IsMatch(rawValue))
                {
                    config.AddFinding(new(FlinkFindingSeverity.Warn, key, "FLINK_PROPERTIES",
                        "the 1.19+ entrypoint deletes all whitespace, including inside this value"));
                }
            }
            value = Envsubst(value, environment, config, "FLINK_PROPERTIES");
            if (value.Length == 0)
            {
                config.AddFinding(new(FlinkFindingSeverity.Warn, key, "FLINK_PROPERTIES", "empty value; the key is left as it was"));
                continue;
            }
            WarnWhenLegacyRereadCuts(config, key, value, "FLINK_PROPERTIES");
            config.Set(new FlinkConfigEntry { Key = key, Value = value, Provenance = "FLINK_PROPERTIES", Origin = FlinkConfigOrigin.FlinkProperties });
        }
    }

    private static void ApplyDynamicProperty(string pair, FlinkConfiguration config)
    {
        var text = pair.StartsWith("-D", StringComparison.Ordinal) ? pair[2..] : pair;
        var equals = text.IndexOf('=');
        if (equals <= 0)
        {
            var name = equals < 0 ? "(no '=')" : "(empty key)";
            throw new FlinkConfigException($"-D {name}: expected key=value");
        }
        var key = text[..equals].Trim();
        config.Set(new FlinkConfigEntry { Key = key, Value = text[(equals + 1)..].Trim(), Provenance = "-D", Origin = FlinkConfigOrigin.DynamicProperty });
    }

    private static void WarnWhenLegacyRereadCuts(FlinkConfiguration config, string key, string value, string where)
    {
        if (config.Format == FlinkConfigFormat.Legacy && value.Contains('#', StringComparison.Ordinal))
        {
            // config-parser-utils.sh writes the value into flink-conf.yaml, which Flink then re-reads line by line.
            config.AddFinding(new(FlinkFindingSeverity.Warn, key, where,
                "value contains '#'; once the entrypoint writes it into flink-conf.yaml, Flink may cut it there (unverified)"));
        }
    }

    /// <summary>envsubst: $VAR and ${VAR} become the variable's value, or empty when unset.</summary>
    private static string Envsubst(string text, IReadOnlyDictionary<string, string> environment, FlinkConfiguration config, string where) =>
        EnvReferencePattern().Replace(text, match =>
        {
            var name = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
            if (environment.TryGetValue(name, out var value))
            {
                return value;
            }
            config.AddFinding(new(FlinkFindingSeverity.Warn, null, where, $"${name} is not set in the environment; envsubst replaces it with nothing"));
            return "";
        });

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();

    [GeneratedRegex(@"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")]
    private static partial Regex EnvReferencePattern();
}
