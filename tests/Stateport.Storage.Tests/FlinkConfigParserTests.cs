using Stateport.Storage.FlinkConfig;

namespace Stateport.Storage.Tests;

/// <summary>Legacy parser (§1.2), YAML typing (§1.3), overlays (§1.5) and file choice (§1.1).</summary>
public sealed class FlinkConfigParserTests
{
    private static readonly FlinkConfigLoadOptions Isolated = new() { Environment = FlinkConfigSamples.NoEnvironment };

    private static FlinkConfiguration Legacy(string text, FlinkConfigLoadOptions? options = null) =>
        FlinkConfigLoader.Parse(text, FlinkConfigFormat.Legacy, "flink-conf.yaml", options ?? Isolated);

    private static FlinkConfiguration Yaml(string text, FlinkConfigLoadOptions? options = null) =>
        FlinkConfigLoader.Parse(text, FlinkConfigFormat.Yaml, "config.yaml", options ?? Isolated);

    [Fact]
    public void Legacy_cuts_at_first_hash_even_inside_quotes()
    {
        var config = Legacy("a: x#y\nb: \"p#q\"\nc: plain # comment\n");
        Assert.Equal("x", config.GetValue("a"));
        Assert.Equal("\"p", config.GetValue("b"));
        Assert.Equal("plain", config.GetValue("c"));
        Assert.True(config["a"]!.CutAtHash);
        Assert.False(config["c"]!.CutAtHash);
    }

    [Fact]
    public void Legacy_warns_when_a_secret_is_cut_without_showing_it()
    {
        var config = Legacy("s3.endpoint: http://x\n\n\n\n\ns3.secret.key: abcdefgh#ijkl\n");
        var finding = Assert.Single(config.Findings, f => f.Key == "s3.secret.key");
        Assert.Equal(FlinkFindingSeverity.Error, finding.Severity);
        Assert.StartsWith("value of s3.secret.key was cut at '#' on line 6", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdefgh", finding.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ijkl", finding.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Legacy_skips_empty_and_comment_lines()
    {
        var config = Legacy("\n   \n# only a comment\n  # indented comment\nk: v\n");
        Assert.Single(config.Entries);
        Assert.Empty(config.Findings);
    }

    [Theory]
    [InlineData("k:v", "no space after ':'")]
    [InlineData("k:\tv", "a tab after ':'")]
    [InlineData("justtext", "no ':'")]
    public void Legacy_skips_lines_without_colon_space_with_line_number(string line, string reason)
    {
        var config = Legacy("a: 1\n" + line + "\n");
        Assert.Null(config.GetValue("k"));
        var finding = Assert.Single(config.Findings);
        Assert.Equal("flink-conf.yaml:2", finding.Provenance);
        Assert.Contains(reason, finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Legacy_splits_at_first_colon_space()
    {
        var config = Legacy("a: b: c\ns3.endpoint: http://host:9000\n");
        Assert.Equal("b: c", config.GetValue("a"));
        Assert.Equal("http://host:9000", config.GetValue("s3.endpoint"));
    }

    [Fact]
    public void Legacy_ignores_empty_key_or_value()
    {
        var config = Legacy("key: \n: value\nkey2:   \n");
        Assert.Empty(config.Entries);
        Assert.Equal(3, config.Findings.Count);
    }

    [Fact]
    public void Legacy_last_value_wins_and_keeps_provenance()
    {
        var config = Legacy("k: one\nother: x\nk: two\n");
        var entry = config["k"]!;
        Assert.Equal("two", entry.Value);
        Assert.Equal("flink-conf.yaml:3", entry.Provenance);
        Assert.Equal(["flink-conf.yaml:1"], entry.Replaced);
        Assert.Contains(config.Findings, f => f.Key == "k" && f.Message.Contains("last value wins", StringComparison.Ordinal));
    }

    [Fact]
    public void Legacy_keeps_quotes_and_warns()
    {
        var config = Legacy("s3.endpoint: \"http://minio:9000\"\n");
        Assert.Equal("\"http://minio:9000\"", config.GetValue("s3.endpoint"));
        var finding = Assert.Single(config.Findings);
        Assert.Equal("s3.endpoint: http://minio:9000", finding.SuggestedFix);
    }

    [Fact]
    public void Legacy_indentation_is_meaningless_and_list_items_are_skipped()
    {
        var config = Legacy("s3:\n  endpoint: http://x\nlist:\n  - item\n  - a;b\n");
        Assert.Equal("http://x", config.GetValue("endpoint"));
        Assert.Null(config.GetValue("s3.endpoint"));
        Assert.Single(config.Entries);
        Assert.Equal(2, config.Findings.Count(f => f.Message.StartsWith("YAML list item", StringComparison.Ordinal)));
        Assert.Contains(config.Findings, f => f.Key == "endpoint" && f.Message.StartsWith("indented line", StringComparison.Ordinal));
    }

    [Fact]
    public void Yaml_flattens_nested_and_flat_keys()
    {
        var config = Yaml("s3:\n  endpoint: http://x\n  bucket.b1:\n    region: eu\nfs.s3a.list.version: 1\nk: {a: 1}\n");
        Assert.Equal("http://x", config.GetValue("s3.endpoint"));
        Assert.Equal("eu", config.GetValue("s3.bucket.b1.region"));
        Assert.Equal("1", config.GetValue("fs.s3a.list.version"));
        Assert.Equal("1", config.GetValue("k.a"));
        Assert.Equal("config.yaml:2", config["s3.endpoint"]!.Provenance);
    }

    [Fact]
    public void Yaml_lists_stay_lists()
    {
        var config = Yaml("dirs: [a, b]\nother:\n  - x\n  - 'y'\n");
        Assert.Equal(["a", "b"], config["dirs"]!.Items);
        Assert.Equal("[a, b]", config.GetValue("dirs"));
        Assert.Equal(["x", "y"], config["other"]!.Items);
    }

    [Theory]
    [InlineData("yes", "true")]
    [InlineData("No", "false")]
    [InlineData("on", "true")]
    [InlineData("OFF", "false")]
    [InlineData("True", "true")]
    [InlineData("0123", "83")]
    [InlineData("0x1F", "31")]
    [InlineData("1:30", "90")]
    [InlineData("1_000", "1000")]
    [InlineData("1e3", "1000.0")]
    [InlineData("'0123'", "0123")]
    [InlineData("\"yes\"", "yes")]
    [InlineData("!!str on", "on")]
    [InlineData("plain", "plain")]
    [InlineData("y", "y")]
    public void Yaml_scalars_are_typed_by_yaml_1_1(string written, string read)
    {
        var config = Yaml($"k: {written}\n");
        Assert.Equal(read, config.GetValue("k"));
    }

    [Theory]
    [InlineData("k: ~")]
    [InlineData("k:")]
    [InlineData("k: null")]
    public void Yaml_null_values_leave_the_key_unset(string line)
    {
        var config = Yaml(line + "\n");
        Assert.Null(config["k"]);
        Assert.Contains(config.Findings, f => f.Key == "k" && f.Message.Contains("null", StringComparison.Ordinal));
    }

    [Fact]
    public void Yaml_warns_when_an_unquoted_secret_or_bucket_would_be_retyped()
    {
        var config = Yaml("s3.secret-key: 0123456\ns3.bucket.no.endpoint: on\nstate.backend.incremental: yes\nx.enabled: true\n");
        var secret = Assert.Single(config.Findings, f => f.Key == "s3.secret-key");
        Assert.Equal(FlinkFindingSeverity.Warn, secret.Severity);
        Assert.DoesNotContain("0123456", secret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("42798", secret.ToString(), StringComparison.Ordinal); // octal 0123456
        Assert.Equal(FlinkFindingSeverity.Warn, Assert.Single(config.Findings, f => f.Key == "s3.bucket.no.endpoint").Severity);
        Assert.Equal(FlinkFindingSeverity.Info, Assert.Single(config.Findings, f => f.Key == "state.backend.incremental").Severity);
        Assert.DoesNotContain(config.Findings, f => f.Key == "x.enabled");
    }

    [Fact]
    public void Yaml_duplicate_key_is_an_error_with_file_and_line()
    {
        var e = Assert.Throws<FlinkConfigException>(() => Yaml("a: 1\ns3.secret-key: hunter2secret\ns3.secret-key: other\n"));
        Assert.StartsWith("config.yaml:3", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_malformed_file_is_an_error_with_file_and_line()
    {
        var e = Assert.Throws<FlinkConfigException>(() => Yaml("a: 1\nb: [unclosed\nc: 2\n"));
        Assert.StartsWith("config.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains("malformed YAML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_nested_vs_flat_conflict_is_reported()
    {
        var config = Yaml("s3.endpoint: http://flat\ns3:\n  endpoint: http://nested\n");
        Assert.Equal("http://nested", config.GetValue("s3.endpoint"));
        var conflict = Assert.Single(config.Findings, f => f.Key == "s3.endpoint");
        Assert.Contains("config.yaml:1", conflict.Message, StringComparison.Ordinal);
        Assert.Equal("config.yaml:3", conflict.Provenance);
    }

    [Fact]
    public void Empty_yaml_is_an_empty_configuration()
    {
        Assert.Empty(Yaml("").Entries);
        Assert.Empty(Yaml("# just a comment\n").Entries);
    }

    [Fact]
    public void Modern_flink_properties_delete_whitespace_and_split_at_first_colon()
    {
        var environment = new Dictionary<string, string> { ["HOST"] = "minio" };
        var options = new FlinkConfigLoadOptions
        {
            Version = FlinkVersion.Parse("1.19.1"),
            Environment = environment,
            FlinkProperties = "s3.endpoint: http://${HOST}:9000\nenv.java.opts.all: -Xmx1g -Dx=y\n# a comment\n\n",
        };
        var config = Yaml("s3.endpoint: http://old\n", options);
        Assert.Equal("http://minio:9000", config.GetValue("s3.endpoint"));
        Assert.Equal("FLINK_PROPERTIES", config["s3.endpoint"]!.Provenance);
        Assert.Equal(["config.yaml:1"], config["s3.endpoint"]!.Replaced);
        Assert.Equal("-Xmx1g-Dx=y", config.GetValue("env.java.opts.all"));
        Assert.Contains(config.Findings, f => f.Key == "env.java.opts.all" && f.Message.Contains("whitespace", StringComparison.Ordinal));
        Assert.Contains(config.Findings, f => f.Key == "#acomment" && f.Message.Contains("bogus", StringComparison.Ordinal));
    }

    [Fact]
    public void Legacy_flink_properties_are_appended_lines_and_envsubst_runs_over_the_whole_file()
    {
        var environment = new Dictionary<string, string> { ["BUCKET"] = "b1" };
        var options = new FlinkConfigLoadOptions
        {
            Version = FlinkVersion.Parse("1.18.1"),
            Environment = environment,
            FlinkProperties = "s3.endpoint: http://new # trailing comment\nenv.java.opts.all: -Xmx1g -Dx=y",
        };
        var config = Legacy("state.checkpoints.dir: s3://$BUCKET/cp\ns3.endpoint: http://old\n", options);
        Assert.Equal("s3://b1/cp", config.GetValue("state.checkpoints.dir"));
        Assert.Equal("http://new", config.GetValue("s3.endpoint"));
        Assert.Equal("FLINK_PROPERTIES", config["s3.endpoint"]!.Provenance);
        Assert.Equal("-Xmx1g -Dx=y", config.GetValue("env.java.opts.all"));
    }

    [Fact]
    public void Flink_properties_default_to_modern_semantics_when_version_unknown()
    {
        var options = Isolated with { FlinkProperties = "k: a b" };
        Assert.Equal("ab", Legacy("", options).GetValue("k"));
    }

    [Fact]
    public void Flink_properties_come_from_the_environment_and_unset_variables_are_reported()
    {
        var environment = new Dictionary<string, string> { ["FLINK_PROPERTIES"] = "s3.secret-key: ${MISSING}\nk: v" };
        var config = Legacy("", new FlinkConfigLoadOptions { Environment = environment });
        Assert.Equal("v", config.GetValue("k"));
        Assert.Null(config.GetValue("s3.secret-key"));
        Assert.Contains(config.Findings, f => f.Message.Contains("$MISSING is not set", StringComparison.Ordinal));
    }

    [Fact]
    public void Dynamic_properties_apply_last()
    {
        var options = Isolated with { FlinkProperties = "k: fromProperties", DynamicProperties = ["-Dk=fromD", "s3.endpoint=http://a=b"] };
        var config = Legacy("k: fromFile\n", options);
        Assert.Equal("fromD", config.GetValue("k"));
        Assert.Equal("-D", config["k"]!.Provenance);
        Assert.Equal(["flink-conf.yaml:1", "FLINK_PROPERTIES"], config["k"]!.Replaced);
        Assert.Equal("http://a=b", config.GetValue("s3.endpoint"));
        Assert.Throws<FlinkConfigException>(() => Legacy("", Isolated with { DynamicProperties = ["novalue"] }));
    }

    [Theory]
    [InlineData("1.18.1", true, true, "flink-conf.yaml", true)]
    [InlineData("1.19.0", true, true, "flink-conf.yaml", true)]
    [InlineData("1.20.1", false, true, "config.yaml", false)]
    [InlineData("1.20.1", true, false, "flink-conf.yaml", false)]
    [InlineData("2.0.0", true, true, "config.yaml", true)]
    [InlineData("2.1.0", false, true, "config.yaml", false)]
    public void Conf_dir_file_choice_follows_the_version(string version, bool legacy, bool yaml, string expected, bool warnBoth)
    {
        using var dir = new FlinkConfigTempDir();
        if (legacy)
        {
            dir.Write("flink-conf.yaml", "from: legacy\n");
        }
        if (yaml)
        {
            dir.Write("config.yaml", "from: yaml\n");
        }
        var config = FlinkConfigLoader.Load(dir.Path, Isolated with { Version = FlinkVersion.Parse(version) });
        Assert.Equal(expected, config.FileName);
        Assert.StartsWith(expected, config.FileChoice, StringComparison.Ordinal);
        Assert.Equal(expected == "config.yaml" ? "yaml" : "legacy", config.GetValue("from"));
        Assert.Equal(warnBoth, config.Findings.Any(f => f.Message.StartsWith("both files exist", StringComparison.Ordinal)));
    }

    [Fact]
    public void Conf_dir_errors_when_the_version_has_no_file_to_read()
    {
        using var dir = new FlinkConfigTempDir();
        dir.Write("flink-conf.yaml", "a: b\n");
        var e = Assert.Throws<FlinkConfigException>(() => FlinkConfigLoader.Load(dir.Path, Isolated with { Version = FlinkVersion.Parse("2.0.0") }));
        Assert.Contains("migrate-config-file.sh", e.Message, StringComparison.Ordinal);
        using var other = new FlinkConfigTempDir();
        other.Write("config.yaml", "a: b\n");
        Assert.Throws<FlinkConfigException>(() => FlinkConfigLoader.Load(other.Path, Isolated with { Version = FlinkVersion.Parse("1.18.0") }));
    }

    [Fact]
    public void Conf_dir_infers_the_version_from_flink_dist_jar()
    {
        using var home = new FlinkConfigTempDir();
        Directory.CreateDirectory(Path.Combine(home.Path, "lib"));
        Directory.CreateDirectory(Path.Combine(home.Path, "conf"));
        File.WriteAllText(Path.Combine(home.Path, "lib", "flink-dist-2.0.1.jar"), "");
        File.WriteAllText(Path.Combine(home.Path, "conf", "config.yaml"), "a: b\n");
        File.WriteAllText(Path.Combine(home.Path, "conf", "flink-conf.yaml"), "a: c\n");
        var config = FlinkConfigLoader.Load(Path.Combine(home.Path, "conf"), Isolated);
        Assert.Equal(FlinkVersion.Parse("2.0.1"), config.Version);
        Assert.Equal("b", config.GetValue("a"));
    }

    [Fact]
    public void Explicit_legacy_file_for_flink_2_is_flagged()
    {
        using var dir = new FlinkConfigTempDir();
        var file = dir.Write("flink-conf.yaml", "a: b\n");
        var config = FlinkConfigLoader.Load(file, Isolated with { Version = FlinkVersion.Parse("2.0.0") });
        Assert.Equal(FlinkConfigFormat.Legacy, config.Format);
        Assert.Contains(config.Findings, f => f.Severity == FlinkFindingSeverity.Error && f.Message.Contains("ignores flink-conf.yaml", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("apache/flink:1.20.1-scala_2.12-java17", "1.20.1")]
    [InlineData("flink:2.0", "2.0")]
    [InlineData("registry:5000/flink", null)]
    public void Version_from_image_tag(string image, string? expected)
    {
        Assert.Equal(expected, FlinkVersion.FromImageTag(image)?.ToString());
    }
}
