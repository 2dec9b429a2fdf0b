using System.Diagnostics;
using Stateport.Metadata;
using Stateport.Tests.Shared;

// Small modes for measurements outside BenchmarkDotNet (bench/codec.sh runs them under /usr/bin/time -v):
//   --generate <file> [fileHandles] [seed]   write SyntheticSnapshots.Large to <file>
//   --roundtrip <file>                       read <file>, parse, write to /dev/null, exit
// Anything else goes to BenchmarkSwitcher.
if (args is ["--generate", var target, ..])
{
    var handles = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    var seed = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 42;
    var bytes = SyntheticSnapshots.Large(handles, seed);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
    File.WriteAllBytes(target, bytes);
    Console.WriteLine($"wrote {bytes.Length:N0} bytes ({handles:N0} file handles, seed {seed}) to {target}");
    return 0;
}
if (args is ["--roundtrip", var file])
{
    var clock = Stopwatch.StartNew();
    var bytes = File.ReadAllBytes(file);
    var read = clock.Elapsed;
    var model = MetadataReader.Read(bytes);
    var parsed = clock.Elapsed;
    using (var output = new FileStream("/dev/null", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1))
    {
        MetadataWriter.Write(model, output);
    }
    var total = clock.Elapsed;
    Console.WriteLine($"roundtrip {bytes.Length:N0} bytes: read {read.TotalMilliseconds:N0} ms, parse {(parsed - read).TotalMilliseconds:N0} ms, " +
        $"write {(total - parsed).TotalMilliseconds:N0} ms, total {total.TotalMilliseconds:N0} ms ({bytes.Length / 1e6 / total.TotalSeconds:N0} MB/s)");
    GC.KeepAlive(model);
    return 0;
}
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
