using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Stateport.Storage.FlinkConfig;

/// <summary>
/// Reads <c>config.yaml</c> (Flink 1.19+) as Flink's SnakeYAML setup does: YAML 1.1 scalar typing,
/// nested maps flattened with '.', lists kept, duplicate keys and syntax errors fatal.
/// </summary>
internal static partial class YamlConfigParser
{
    private abstract record Node(int Line);

    private sealed record ScalarNode(int Line, string Text, bool Plain, string? Tag) : Node(Line);

    private sealed record MapNode(int Line, List<(ScalarNode Key, Node Value)> Pairs) : Node(Line);

    private sealed record ListNode(int Line, List<Node> Items) : Node(Line);

    public static void Parse(string text, FlinkConfiguration config)
    {
        var root = Load(text, config.FileName);
        if (root is null || root is ScalarNode { Plain: true } s && IsNull(s.Text))
        {
            return;
        }
        if (root is not MapNode map)
        {
            throw new FlinkConfigException($"{config.FileName}:{root.Line}: the document must be a map of keys");
        }
        var firstDefinition = new Dictionary<string, string>(StringComparer.Ordinal);
        Flatten(map, "", config, firstDefinition);
    }

    private static Node? Load(string text, string fileName)
    {
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }
            parser.Consume<DocumentStart>();
            var anchors = new Dictionary<string, Node>(StringComparer.Ordinal);
            var root = ReadNode(parser, anchors, fileName);
            parser.Consume<DocumentEnd>();
            if (!parser.TryConsume<StreamEnd>(out _))
            {
                throw new FlinkConfigException($"{fileName}:{parser.Current?.Start.Line}: more than one YAML document");
            }
            return root;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's parser reports some truncated documents this way instead of with a YamlException.
            throw new FlinkConfigException($"{fileName}:{text.Split('\n').Length}: malformed YAML: unexpected end of the document");
        }
        catch (YamlException e)
        {
            // YamlDotNet messages describe structure, not values; the inner exception is dropped so
            // nothing that quotes the input can reach the output.
            throw new FlinkConfigException($"{fileName}:{e.Start.Line}:{e.Start.Column}: malformed YAML: {e.Message}");
        }
    }

    private static Node ReadNode(IParser parser, Dictionary<string, Node> anchors, string fileName)
    {
        Node node;
        string anchor;
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.TryGetValue(alias.Value.Value, out var target)
                ? target
                : throw new FlinkConfigException($"{fileName}:{alias.Start.Line}: unknown alias *{alias.Value.Value}");
        }
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            node = new ScalarNode((int)scalar.Start.Line, scalar.Value, scalar.Style == ScalarStyle.Plain, scalar.Tag.IsEmpty ? null : scalar.Tag.Value);
            anchor = scalar.Anchor.IsEmpty ? "" : scalar.Anchor.Value;
        }
        else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            var items = new List<Node>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(parser, anchors, fileName));
            }
            node = new ListNode((int)sequenceStart.Start.Line, items);
            anchor = sequenceStart.Anchor.IsEmpty ? "" : sequenceStart.Anchor.Value;
        }
        else if (parser.TryConsume<MappingStart>(out var mappingStart))
        {
            var pairs = new List<(ScalarNode, Node)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                if (ReadNode(parser, anchors, fileName) is not ScalarNode key)
                {
                    throw new FlinkConfigException($"{fileName}:{parser.Current?.Start.Line}: a map key must be a plain value");
                }
                var value = ReadNode(parser, anchors, fileName);
                var keyText = ScalarToString(key).Value ?? "null";
                if (!seen.Add(keyText))
                {
                    // SnakeYAML as configured by Flink refuses duplicate keys.
                    throw new FlinkConfigException($"{fileName}:{key.Line}: duplicate key '{keyText}'");
                }
                pairs.Add((key, value));
            }
            node = new MapNode((int)mappingStart.Start.Line, pairs);
            anchor = mappingStart.Anchor.IsEmpty ? "" : mappingStart.Anchor.Value;
        }
        else
        {
            throw new FlinkConfigException($"{fileName}:{parser.Current?.Start.Line}: unsupported YAML construct");
        }
        if (anchor.Length > 0)
        {
            anchors[anchor] = node;
        }
        return node;
    }

    private static void Flatten(MapNode map, string prefix, FlinkConfiguration config, Dictionary<string, string> firstDefinition)
    {
        foreach (var (keyNode, valueNode) in map.Pairs)
        {
            var key = prefix + (ScalarToString(keyNode).Value ?? "null");
            var where = $"{config.FileName}:{keyNode.Line}";
            if (valueNode is MapNode nested)
            {
                Flatten(nested, key + ".", config, firstDefinition);
                continue;
            }
            if (firstDefinition.TryGetValue(key, out var earlier))
            {
                config.AddFinding(new(FlinkFindingSeverity.Warn, key, where,
                    $"also defined at {earlier} (nested and flat spellings of the same key); which one Flink keeps is unverified, the tool uses the later one",
                    "keep one spelling"));
            }
            firstDefinition.TryAdd(key, where);
            switch (valueNode)
            {
                case ListNode list:
                    var items = list.Items.Select(item => Render(item, key, config, where)).ToList();
                    config.Set(new FlinkConfigEntry { Key = key, Value = "[" + string.Join(", ", items) + "]", Items = items, Provenance = where });
                    break;
                case ScalarNode scalar:
                    var value = TypedScalar(scalar, key, config, where);
                    if (value is null)
                    {
                        config.AddFinding(new(FlinkFindingSeverity.Warn, key, where, "value is null (empty or ~); Flink treats the key as unset"));
                    }
                    else
                    {
                        config.Set(new FlinkConfigEntry { Key = key, Value = value, Provenance = where });
                    }
                    break;
            }
        }
    }

    private static string Render(Node node, string key, FlinkConfiguration config, string where) => node switch
    {
        ScalarNode scalar => TypedScalar(scalar, key, config, where) ?? "null",
        ListNode list => "[" + string.Join(", ", list.Items.Select(i => Render(i, key, config, where))) + "]",
        MapNode map => "{" + string.Join(", ", map.Pairs.Select(p => $"{ScalarToString(p.Key).Value}: {Render(p.Value, key, config, where)}")) + "}",
        _ => "",
    };

    /// <summary>The string Flink reads back, warning when YAML typing changes what was written.</summary>
    private static string? TypedScalar(ScalarNode scalar, string key, FlinkConfiguration config, string where)
    {
        var (value, kind) = ScalarToString(scalar);
        if (kind is not null && value is not null && value != scalar.Text)
        {
            var sensitive = FlinkSecrets.IsSecretKey(key) || LooksLikeNameOrKey(key);
            var secret = FlinkSecrets.IsSecretKey(key);
            var change = secret ? "the value" : $"'{scalar.Text}'";
            var result = secret ? "" : $" and read back as '{value}'";
            config.AddFinding(new(sensitive ? FlinkFindingSeverity.Warn : FlinkFindingSeverity.Info, key, where,
                $"unquoted {change} is typed as a YAML 1.1 {kind}{result}; quote it to keep the text",
                $"{key}: \"{(FlinkSecrets.IsSecretKey(key) ? "<value>" : scalar.Text)}\""));
        }
        return value;
    }

    private static bool LooksLikeNameOrKey(string key)
    {
        var lower = key.ToLowerInvariant();
        return lower.Contains("key", StringComparison.Ordinal) || lower.Contains("bucket", StringComparison.Ordinal)
            || lower.Contains("dir", StringComparison.Ordinal) || lower.Contains("path", StringComparison.Ordinal)
            || lower.Contains("endpoint", StringComparison.Ordinal);
    }

    /// <summary>YAML 1.1 resolution as SnakeYAML does it; kind is null when the text stays a string.</summary>
    private static (string? Value, string? Kind) ScalarToString(ScalarNode scalar)
    {
        var text = scalar.Text;
        // An explicit tag (!!str, !) or quotes keep the text as written.
        if (scalar.Tag is not null || !scalar.Plain)
        {
            return (text, null);
        }
        if (IsNull(text))
        {
            return (null, "null");
        }
        if (BoolPattern().IsMatch(text))
        {
            var lower = text.ToLowerInvariant();
            return (lower is "yes" or "true" or "on" ? "true" : "false", "boolean");
        }
        if (IntPattern().IsMatch(text))
        {
            return (ParseYamlInt(text)?.ToString(CultureInfo.InvariantCulture) ?? text, "integer");
        }
        if (FloatPattern().IsMatch(text))
        {
            return (ParseYamlFloat(text), "float");
        }
        if (TimestampPattern().IsMatch(text))
        {
            // SnakeYAML makes a Date; how Flink renders it back is unverified, so keep the text.
            return (text, "timestamp");
        }
        return (text, null);
    }

    private static bool IsNull(string text) => text is "" or "~" or "null" or "Null" or "NULL";

    private static System.Numerics.BigInteger? ParseYamlInt(string text)
    {
        var negative = text.StartsWith('-');
        var body = text.TrimStart('+', '-').Replace("_", "", StringComparison.Ordinal);
        System.Numerics.BigInteger result = 0;
        if (body.Contains(':', StringComparison.Ordinal))
        {
            foreach (var part in body.Split(':'))
            {
                result = result * 60 + int.Parse(part, CultureInfo.InvariantCulture);
            }
        }
        else if (body.StartsWith("0x", StringComparison.Ordinal))
        {
            result = System.Numerics.BigInteger.Parse("0" + body[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        else if (body.StartsWith("0b", StringComparison.Ordinal))
        {
            foreach (var digit in body[2..])
            {
                result = result * 2 + (digit - '0');
            }
        }
        else if (body.Length > 1 && body[0] == '0')
        {
            foreach (var digit in body[1..])
            {
                result = result * 8 + (digit - '0');
            }
        }
        else
        {
            result = System.Numerics.BigInteger.Parse(body, CultureInfo.InvariantCulture);
        }
        return negative ? -result : result;
    }

    private static string ParseYamlFloat(string text)
    {
        var body = text.Replace("_", "", StringComparison.Ordinal);
        var lower = body.ToLowerInvariant();
        if (lower.EndsWith(".inf", StringComparison.Ordinal))
        {
            return lower.StartsWith('-') ? "-Infinity" : "Infinity";
        }
        if (lower == ".nan")
        {
            return "NaN";
        }
        if (body.Contains(':', StringComparison.Ordinal))
        {
            // Sexagesimal float (1:30.5): rare in configs; keep the text.
            return text;
        }
        var number = double.Parse(body, NumberStyles.Float, CultureInfo.InvariantCulture);
        // Java's Double.toString: integral values keep ".0", large/small ones use E notation.
        var abs = Math.Abs(number);
        if (abs is >= 1e-3 and < 1e7 || number == 0)
        {
            var plain = number.ToString("R", CultureInfo.InvariantCulture);
            return plain.Contains('.', StringComparison.Ordinal) ? plain : plain + ".0";
        }
        var exponent = number.ToString("0.0################E0", CultureInfo.InvariantCulture);
        return exponent;
    }

    [GeneratedRegex("^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex BoolPattern();

    [GeneratedRegex("^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:\.[0-9]+|[0-9_]+(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$")]
    private static partial Regex TimestampPattern();
}
