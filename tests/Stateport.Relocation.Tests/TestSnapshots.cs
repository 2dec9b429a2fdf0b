using Stateport.Metadata;
using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;

namespace Stateport.Relocation.Tests;

/// <summary>Small hand-built snapshots for planner and relocator tests.</summary>
internal static class TestSnapshots
{
    /// <summary>A V3 snapshot with one operator whose subtask i's managed operator state is in handles[i].</summary>
    public static byte[] OperatorStateMetadata(IStreamStateHandle[] handles, long checkpointId, OperatorId id)
    {
        var metadata = new CheckpointMetadata { Version = MetadataVersion.V3, CheckpointId = checkpointId };
        var op = new OperatorState { Id = id, Parallelism = handles.Length, MaxParallelism = 128 };
        for (var i = 0; i < handles.Length; i++)
        {
            op.Subtasks.Add(new SubtaskEntry
            {
                StoredIndex = i,
                State = new SubtaskState
                {
                    ManagedOperatorFlag = 1,
                    ManagedOperatorState = new OperatorStreamStateHandle(TypeCodes.PartitionableOperatorStateHandle)
                    {
                        States = [new OperatorStateEntry { Name = MutfString.FromString("s"), Mode = 0, Offsets = [0] }],
                        Delegate = handles[i],
                    },
                },
            });
        }
        op.StoredSubtaskCount = handles.Length;
        metadata.Operators.Add(op);
        return MetadataWriter.ToArray(metadata);
    }
}
