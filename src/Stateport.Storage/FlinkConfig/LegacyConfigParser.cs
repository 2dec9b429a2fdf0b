namespace Stateport.Storage.FlinkConfig;

/// <summary>
/// Flink's line-based reader for <c>flink-conf.yaml</c> (GlobalConfiguration before 2.0). It is not
/// YAML: cut at the first '#', split at the first ": ", last value wins, quotes kept.
/// </summary>
internal static class LegacyConfigParser
{
    /// <summary>Parses <paramref name="text"/> into <paramref name="config"/>.</summary>
    /// <param name="provenance">Line number → provenance string ("flink-conf.yaml:3").</param>
    public static void Parse(string text, FlinkConfiguration config, Func<int, string> provenance, FlinkConfigOrigin origin)
    {
        var lines = text.Split('\n');
        var firstLineOfKey = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var index = 0; index < lines.Length; index++)
        {
            var where = provenance(index + 1);
            var raw = lines[index].TrimEnd('\r');
            var hash = raw.IndexOf('#');
            var line = (hash < 0 ? raw : raw[..hash]).Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var separator = line.IndexOf(": ", StringComparison.Ordinal);
            if (separator < 0)
            {
                ReportUnsplittableLine(config, line, where);
                continue;
            }
            var key = line[..separator].Trim();
            var value = line[(separator + 2)..].Trim();
            if (key.Length == 0 || value.Length == 0)
            {
                config.AddFinding(new(FlinkFindingSeverity.Warn, key.Length == 0 ? null : key, where,
                    key.Length == 0 ? "line has an empty key; Flink skips it" : "empty value; Flink skips the line (the key stays unset)"));
                continue;
            }
            // A '#' right after value text was meant as part of the value; " #" starts an ordinary comment.
            var cutInsideValue = hash > 0 && !char.IsWhiteSpace(raw[hash - 1]) && raw.IndexOf(": ", StringComparison.Ordinal) < hash;
            if (cutInsideValue)
            {
                config.AddFinding(new(
                    FlinkSecrets.IsSecretKey(key) ? FlinkFindingSeverity.Error : FlinkFindingSeverity.Warn, key, where,
                    $"value of {key} was cut at '#' on line {index + 1}; flink-conf.yaml cannot hold '#' in values, even quoted (now {FlinkSecrets.Display(key, value)})",
                    "move the key to config.yaml (Flink 1.19+) with the value in quotes, or choose a value without '#'"));
            }
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                config.AddFinding(new(FlinkFindingSeverity.Warn, key, where,
                    "flink-conf.yaml keeps quotes as part of the value",
                    $"{key}: {(FlinkSecrets.IsSecretKey(key) ? "<value without quotes>" : value[1..^1])}"));
            }
            if (char.IsWhiteSpace(raw[0]))
            {
                config.AddFinding(new(FlinkFindingSeverity.Warn, key, where,
                    "indented line: flink-conf.yaml ignores nesting, so this is the flat key '" + key + "'"));
            }
            if (firstLineOfKey.TryGetValue(key, out var earlier))
            {
                config.AddFinding(new(FlinkFindingSeverity.Info, key, where, $"also set at {earlier}; the last value wins"));
            }
            firstLineOfKey.TryAdd(key, where);
            config.Set(new FlinkConfigEntry { Key = key, Value = value, Provenance = where, Origin = origin, CutAtHash = cutInsideValue });
        }
    }

    private static void ReportUnsplittableLine(FlinkConfiguration config, string line, string where)
    {
        if (line.StartsWith('-'))
        {
            config.AddFinding(new(FlinkFindingSeverity.Warn, null, where,
                "YAML list item: flink-conf.yaml has no lists, Flink skips the line (use 'key: a;b;c')"));
            return;
        }
        var colon = line.IndexOf(':');
        var key = colon > 0 ? line[..colon].Trim() : null;
        var reason = colon < 0 ? "no ':'"
            : colon + 1 < line.Length && line[colon + 1] == '\t' ? "a tab after ':'"
            : colon + 1 == line.Length ? "nothing after ':'"
            : "no space after ':'";
        config.AddFinding(new(FlinkFindingSeverity.Warn, key, where,
            $"not a 'key: value' line ({reason}); Flink skips it",
            key is null || colon + 1 == line.Length ? null : $"{key}: {(FlinkSecrets.IsSecretKey(key) ? "<value>" : line[(colon + 1)..].Trim())}"));
    }
}
