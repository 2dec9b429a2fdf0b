using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Stateport.Metadata;
using Stateport.Metadata.Model;
using Stateport.Tests.Shared;

namespace Stateport.Bench;

/// <summary>
/// The metadata codec on a realistic ~115 MB V6 checkpoint (10^6 file handles), against the cost of just
/// moving the same bytes: a memory copy, <c>cp</c> (File.Copy) and <c>cat</c> (File.ReadAllBytes).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class MetadataCodecBenchmarks
{
    public const int FileHandles = 1_000_000;
    public const int Seed = 42;

    private byte[] _bytes = [];
    private byte[] _copyTarget = [];
    private string _copyPath = "";
    private string _outputPath = "";

    /// <summary>Where the generated checkpoint is kept (left in place so bench/codec.sh can reuse it).</summary>
    public static string InputPath => Path.Combine(Path.GetTempPath(), "stateport-bench", $"large-{FileHandles}-{Seed}", "_metadata");

    [GlobalSetup]
    public void Setup()
    {
        _bytes = File.Exists(InputPath) ? File.ReadAllBytes(InputPath) : [];
        var expected = SyntheticSnapshots.Large(FileHandles, Seed);
        if (!_bytes.AsSpan().SequenceEqual(expected))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(InputPath)!);
            File.WriteAllBytes(InputPath, expected);
            _bytes = expected;
        }
        _copyTarget = new byte[_bytes.Length];
        var dir = Path.GetDirectoryName(InputPath)!;
        _copyPath = Path.Combine(dir, "copy");
        _outputPath = Path.Combine(dir, "written");
        GC.Collect();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        File.Delete(_copyPath);
        File.Delete(_outputPath);
    }

    [Benchmark(Description = "Parse")]
    public CheckpointMetadata Parse() => MetadataReader.Read(_bytes);

    [Benchmark(Description = "Parse+Write to Stream.Null")]
    public void ParseAndWriteToNull() => MetadataWriter.Write(MetadataReader.Read(_bytes), Stream.Null);

    [Benchmark(Description = "Parse+Write to file")]
    public void ParseAndWriteToFile()
    {
        using var output = new FileStream(_outputPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        MetadataWriter.Write(MetadataReader.Read(_bytes), output);
    }

    [Benchmark(Description = "Read file+Parse+Write file")]
    public void ReadParseWriteFile()
    {
        var bytes = File.ReadAllBytes(InputPath);
        using var output = new FileStream(_outputPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        MetadataWriter.Write(MetadataReader.Read(bytes), output);
    }

    [Benchmark(Baseline = true, Description = "Memory copy (baseline)")]
    public void CopyBytes() => Buffer.BlockCopy(_bytes, 0, _copyTarget, 0, _bytes.Length);

    [Benchmark(Description = "File.Copy (cp)")]
    public void FileCopy() => File.Copy(InputPath, _copyPath, overwrite: true);

    [Benchmark(Description = "File.ReadAllBytes (cat)")]
    public byte[] ReadFile() => File.ReadAllBytes(InputPath);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new ThroughputColumn());
            SummaryStyle = SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
        }
    }

    /// <summary>MB/s of the input file (10^6 bytes per MB), from the mean time.</summary>
    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "Throughput";
        public string ColumnName => "MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Input megabytes (10^6 bytes) processed per second, from the mean";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return mean is > 0 && File.Exists(InputPath)
                ? (new FileInfo(InputPath).Length / 1e6 / (mean.Value / 1e9)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
                : "-";
        }

        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
