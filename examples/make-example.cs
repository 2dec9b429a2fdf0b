#:property PublishAot=false
#:property TreatWarningsAsErrors=true
#:project ../src/Stateport.Metadata/Stateport.Metadata.csproj
// Writes the SYNTHETIC example snapshot under examples/synthetic-checkpoint/ with Stateport's own
// writer. It imitates a Flink 2.1 incremental RocksDB checkpoint that lived on S3
// (s3://flink-prod/checkpoints/<job>/chk-42) and was downloaded to local disk: relative exclusive files,
// absolute shared/ SST files, inline state. It was not written by Flink.
//   dotnet run examples/make-example.cs
using System.Buffers.Binary;
using Stateport.Metadata;
using Stateport.Metadata.Model;

const string Job = "8f7c1e2d9a4b4c3e8d2f1a0b9c8d7e6f";
const string Bucket = "s3://flink-prod/checkpoints";
var root = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", "synthetic-checkpoint");
if (Directory.Exists(root))
{
    Directory.Delete(root, recursive: true);
}
var jobDir = Path.Combine(root, Job);
var chkDir = Path.Combine(jobDir, "chk-42");
Directory.CreateDirectory(chkDir);
Directory.CreateDirectory(Path.Combine(jobDir, "shared"));
var random = new Random(42);

string Uuid() => new Guid(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray()).ToString();
MutfString S(string s) => MutfString.FromString(s);

byte[] Data(int length, bool sst)
{
    var bytes = new byte[length];
    random.NextBytes(bytes);
    if (sst)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(length - 8), 0x88e241b785f4cff7UL); // RocksDB block-based table magic
    }
    return bytes;
}

RelativeFileStateHandle Exclusive(int length)
{
    var name = Uuid();
    File.WriteAllBytes(Path.Combine(chkDir, name), Data(length, sst: false));
    return new RelativeFileStateHandle { RelativePath = S(name), StateSize = length };
}

FileStateHandle Shared(int length)
{
    var name = Uuid();
    File.WriteAllBytes(Path.Combine(jobDir, "shared", name), Data(length, sst: true));
    return new FileStateHandle { FilePath = S($"{Bucket}/{Job}/shared/{name}"), StateSize = length };
}

ByteStreamStateHandle Inline(int length, bool named) => new()
{
    HandleName = S(named ? $"{Bucket}/{Job}/chk-42/{Uuid()}" : Uuid()),
    Data = Data(length, sst: false),
};

OperatorState Operator(string name, string uid, long lower, long upper, int parallelism, Func<int, SubtaskState?> subtask)
{
    var op = new OperatorState
    {
        Name = S(name),
        Uid = S(uid),
        Id = new OperatorId(lower, upper),
        Parallelism = parallelism,
        MaxParallelism = 128,
        StoredSubtaskCount = parallelism,
    };
    for (var i = 0; i < parallelism; i++)
    {
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = i, State = subtask(i) });
    }
    return op;
}

OperatorStreamStateHandle SourceState(int subtask) => new(4)
{
    States = [new OperatorStateEntry { Name = S("SourceReaderState"), Mode = 0, Offsets = [0L] }],
    Delegate = subtask == 0 ? Inline(180, named: true) : Exclusive(2048),
};

IncrementalRemoteKeyedStateHandle RocksDb(int subtask)
{
    var start = subtask * 64;
    return new IncrementalRemoteKeyedStateHandle(11)
    {
        CheckpointId = 42,
        BackendIdentifier = S(Uuid()),
        KeyGroupRange = new KeyGroupRange(start, 64),
        CheckpointedSize = 12_000,
        MetaDataState = Exclusive(1024),
        SharedState =
        [
            new NamedStreamHandle { LocalPath = S("000011.sst"), Handle = Shared(6144 + (subtask * 512)) },
            new NamedStreamHandle { LocalPath = S("000014.sst"), Handle = Shared(4096) },
            new NamedStreamHandle { LocalPath = S("000017.sst"), Handle = Inline(900, named: true) },
        ],
        PrivateState =
        [
            new NamedStreamHandle { LocalPath = S("MANIFEST-000005"), Handle = Inline(300, named: true) },
            new NamedStreamHandle { LocalPath = S("OPTIONS-000009"), Handle = Exclusive(3072) },
            new NamedStreamHandle { LocalPath = S("CURRENT"), Handle = Inline(16, named: true) },
        ],
        StateHandleId = S(Uuid()),
    };
}

var metadata = new CheckpointMetadata
{
    Version = MetadataVersion.V6,
    CheckpointId = 42,
    Operators =
    [
        Operator("Source: Kafka orders", "kafka-orders-source", 0x1f2b5df5a66154ac, unchecked((long)0xa61fcb26193792be), 2,
            i => new SubtaskState { ManagedOperatorFlag = 1, ManagedOperatorState = SourceState(i) }),
        Operator("Window aggregate per customer", "customer-window-agg", 0x5c1a3e0f9b7d4e21, 0x3d9e7c5b1a2f4e6d, 2,
            i => new SubtaskState { ManagedKeyedState = RocksDb(i) }),
        Operator("Sink: JDBC", "jdbc-sink", 0x0b0c0d0e0f101112, 0x1314151617181920, 2, _ => new SubtaskState()),
    ],
    // CheckpointProperties written as null (AC ED 00 05 70), as the State Processor API does: a real one
    // is a Java object graph this synthetic example does not imitate.
    Trailer = new byte[] { 0xAC, 0xED, 0x00, 0x05, 0x70 },
};
using (var file = File.Create(Path.Combine(chkDir, "_metadata")))
{
    MetadataWriter.Write(metadata, file);
}
File.WriteAllText(Path.Combine(root, "README.md"), $"""
    # Synthetic example checkpoint (not written by Flink)

    Made by `dotnet run examples/make-example.cs` with Stateport's own metadata writer, to imitate a
    Flink 2.1 (format version 6) incremental RocksDB checkpoint of job `{Job}` that lived at
    `{Bucket}/{Job}/chk-42` and was downloaded to local disk. Its `_metadata` therefore still holds
    absolute `s3://flink-prod/...` paths for the `shared/` SST files. Data files are random bytes of the
    recorded sizes (SST files end in the RocksDB table magic so `verify --deep` has something to check).
    `examples/run-example.sh` runs the main job on it without S3.

    """);
Console.WriteLine($"wrote {root}");
