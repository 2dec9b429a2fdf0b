#:property PublishAot=false
#:property TreatWarningsAsErrors=true
#:project ../src/Stateport.Metadata/Stateport.Metadata.csproj
// Writes a SYNTHETIC canonical-savepoint-like directory for bench/relocate.sh with Stateport's own
// writer (it was not written by Flink): savepoint-xxxxxx-yyyyyyyyyyyy/ holding
//   * <small> relative files of 4-64 KB (random sizes, seeded): 10 operators x (small/20) subtasks, each
//     subtask with one KeyGroupsSavepointStateHandle (code 7) and one OperatorStreamStateHandle (code 4),
//     both delegating to a RelativeFileStateHandle;
//   * <large> relative files of <large-mb> MB: one keyed operator with parallelism <large>, each subtask a
//     KeyGroupsSavepointStateHandle over one big file;
//   * _metadata (format version 6), written last.
// Usage: dotnet run bench/make-savepoint-tree.cs -- <parent-dir> [small=2000] [large=10] [large-mb=50] [seed=42]
// Prints the absolute path of the savepoint directory it created.
using Stateport.Metadata;
using Stateport.Metadata.Model;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: make-savepoint-tree.cs <parent-dir> [small=2000] [large=10] [large-mb=50] [seed=42]");
    return 2;
}
var parent = Path.GetFullPath(args[0]);
var small = args.Length > 1 ? int.Parse(args[1]) : 2000;
var large = args.Length > 2 ? int.Parse(args[2]) : 10;
var largeBytes = (args.Length > 3 ? long.Parse(args[3]) : 50) * 1024 * 1024;
var seed = args.Length > 4 ? int.Parse(args[4]) : 42;
const int SmallOperators = 10;
if (small % (2 * SmallOperators) != 0)
{
    Console.Error.WriteLine($"small must be a multiple of {2 * SmallOperators}");
    return 2;
}
var random = new Random(seed);
string Hex(int digits) => string.Concat(Enumerable.Range(0, digits).Select(_ => "0123456789abcdef"[random.Next(16)]));
string Uuid() => new Guid(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray()).ToString();
MutfString S(string s) => MutfString.FromString(s);

var dir = Path.Combine(parent, $"savepoint-{Hex(6)}-{Hex(12)}");
if (Directory.Exists(dir))
{
    Directory.Delete(dir, recursive: true);
}
Directory.CreateDirectory(dir);

var buffer = new byte[1024 * 1024];
long totalBytes = 0;
RelativeFileStateHandle File_(long length)
{
    var name = Uuid();
    using (var f = new FileStream(Path.Combine(dir, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
    {
        for (var left = length; left > 0;)
        {
            var n = (int)Math.Min(left, buffer.Length);
            random.NextBytes(buffer.AsSpan(0, n));
            f.Write(buffer, 0, n);
            left -= n;
        }
    }
    totalBytes += length;
    return new RelativeFileStateHandle { RelativePath = S(name), StateSize = length };
}

// Flink's KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex.
static (int Start, int End) KeyGroups(int maxParallelism, int parallelism, int index) =>
    ((index * maxParallelism + parallelism - 1) / parallelism, ((index + 1) * maxParallelism - 1) / parallelism);
static int MaxParallelism(int parallelism) => Math.Max(128, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)parallelism));

KeyGroupsStateHandle Keyed(int maxParallelism, int parallelism, int index, long length)
{
    var (start, end) = KeyGroups(maxParallelism, parallelism, index);
    var count = end - start + 1;
    return new KeyGroupsStateHandle(7)
    {
        StartKeyGroup = start,
        Offsets = Enumerable.Range(0, count).Select(i => length * i / count).ToArray(),
        Delegate = File_(length),
    };
}

OperatorStreamStateHandle OperatorList(long length) => new(4)
{
    States = [new OperatorStateEntry { Name = S("buffered-elements"), Mode = 0, Offsets = [0L] }],
    Delegate = File_(length),
};

var operators = new List<OperatorState>();
var perOperator = small / (2 * SmallOperators);
for (var o = 0; o < SmallOperators; o++)
{
    var maxP = MaxParallelism(perOperator);
    var op = new OperatorState
    {
        Name = S($"Process stage {o}"),
        Uid = S($"process-stage-{o}"),
        Id = new OperatorId(random.NextInt64(), random.NextInt64()),
        Parallelism = perOperator,
        MaxParallelism = maxP,
        StoredSubtaskCount = perOperator,
    };
    for (var i = 0; i < perOperator; i++)
    {
        op.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = i,
            State = new SubtaskState
            {
                ManagedKeyedState = Keyed(maxP, perOperator, i, random.Next(4096, 65537)),
                ManagedOperatorFlag = 1,
                ManagedOperatorState = OperatorList(random.Next(4096, 65537)),
            },
        });
    }
    operators.Add(op);
}
if (large > 0)
{
    var maxP = MaxParallelism(large);
    var op = new OperatorState
    {
        Name = S("Window aggregate (large keyed state)"),
        Uid = S("window-aggregate"),
        Id = new OperatorId(random.NextInt64(), random.NextInt64()),
        Parallelism = large,
        MaxParallelism = maxP,
        StoredSubtaskCount = large,
    };
    for (var i = 0; i < large; i++)
    {
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = i, State = new SubtaskState { ManagedKeyedState = Keyed(maxP, large, i, largeBytes) } });
    }
    operators.Add(op);
}

var metadata = new CheckpointMetadata
{
    Version = MetadataVersion.V6,
    CheckpointId = 7,
    Operators = operators,
    // CheckpointProperties written as a Java null (AC ED 00 05 70), as the State Processor API does.
    Trailer = new byte[] { 0xAC, 0xED, 0x00, 0x05, 0x70 },
};
using (var file = File.Create(Path.Combine(dir, "_metadata")))
{
    MetadataWriter.Write(metadata, file);
}
Console.Error.WriteLine($"wrote {small + large} data files, {totalBytes:N0} bytes, + _metadata ({new FileInfo(Path.Combine(dir, "_metadata")).Length:N0} bytes)");
Console.WriteLine(dir);
return 0;
