using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;

namespace Stateport.Metadata;

/// <summary>
/// Writes a <see cref="CheckpointMetadata"/> back in the version, type codes and layout variants it was
/// read with. A model read by <see cref="MetadataReader"/> and not changed is written byte-identically.
/// </summary>
public static partial class MetadataWriter
{
    /// <summary>Write to a stream (buffered in 1 MiB chunks).</summary>
    public static void Write(CheckpointMetadata metadata, Stream output)
    {
        var w = new JavaDataWriter(output);
        WriteAll(metadata, w);
        w.Flush();
    }

    /// <summary>Write to a new byte array.</summary>
    public static byte[] ToArray(CheckpointMetadata metadata)
    {
        var w = new JavaDataWriter(null);
        WriteAll(metadata, w);
        return w.ToArray();
    }

    private static void WriteAll(CheckpointMetadata metadata, JavaDataWriter w)
    {
        var version = metadata.Version;
        if (!version.IsSupported())
        {
            throw new ArgumentException($"cannot write format version {(int)version}", nameof(metadata));
        }
        w.WriteInt32(TypeCodes.HeaderMagic);
        w.WriteInt32((int)version);
        w.WriteInt64(metadata.CheckpointId);
        if (version.HasMasterStates())
        {
            w.WriteInt32(metadata.MasterStates.Count);
            foreach (var master in metadata.MasterStates)
            {
                w.WriteInt32(TypeCodes.MasterStateMagic);
                var slot = w.BeginLengthPrefixedBlock();
                w.WriteInt32(master.MasterStateVersion);
                w.WriteUtf(master.Name);
                w.WriteBytes32(master.Payload);
                w.EndLengthPrefixedBlock(slot);
            }
        }
        w.WriteInt32(metadata.Operators.Count);
        foreach (var op in metadata.Operators)
        {
            if (version == MetadataVersion.V1)
            {
                WriteTaskStateV1(w, op);
            }
            else
            {
                WriteOperatorState(w, op, version);
            }
        }
        w.WriteRaw(metadata.Trailer.Span);
    }

    private static void WriteOperatorState(JavaDataWriter w, OperatorState op, MetadataVersion version)
    {
        if (version.HasOperatorNameAndUid())
        {
            w.WriteUtf(op.Name);
            w.WriteUtf(op.Uid);
        }
        w.WriteInt64(op.Id.Lower);
        w.WriteInt64(op.Id.Upper);
        w.WriteInt32(op.Parallelism);
        w.WriteInt32(op.MaxParallelism);
        if (version.HasChainLengthAndDuration())
        {
            w.WriteInt32(op.ChainLength);
        }
        if (version.HasCoordinatorState())
        {
            WriteStreamHandle(w, op.CoordinatorState);
        }
        if (op.StoredSubtaskCount < 0)
        {
            w.WriteInt32(op.StoredSubtaskCount);
            return;
        }
        w.WriteInt32(op.Subtasks.Count);
        foreach (var entry in op.Subtasks)
        {
            w.WriteInt32(entry.StoredIndex);
            if (entry.StoredIndex >= 0)
            {
                WriteSubtaskState(w, entry.State ?? throw new ArgumentException($"operator {op.Id}: subtask {entry.StoredIndex} has no state"), version);
            }
        }
    }

    private static void WriteSubtaskState(JavaDataWriter w, SubtaskState state, MetadataVersion version)
    {
        if (version == MetadataVersion.V2)
        {
            w.WriteInt64(state.Duration);
            w.WriteInt32(state.LegacyStates.Count);
            foreach (var legacy in state.LegacyStates)
            {
                WriteStreamHandle(w, legacy);
            }
        }
        w.WriteInt32(state.ManagedOperatorFlag);
        if (state.ManagedOperatorFlag != 0)
        {
            WriteOperatorHandle(w, state.ManagedOperatorState);
        }
        w.WriteInt32(state.RawOperatorFlag);
        if (state.RawOperatorFlag != 0)
        {
            WriteOperatorHandle(w, state.RawOperatorState);
        }
        WriteKeyedHandle(w, state.ManagedKeyedState);
        WriteKeyedHandle(w, state.RawKeyedState);
        if (version.HasChannelState())
        {
            w.WriteInt32(state.InputChannelStates.Count);
            foreach (var channel in state.InputChannelStates)
            {
                WriteChannelHandle(w, channel, version);
            }
            w.WriteInt32(state.ResultSubpartitionStates.Count);
            foreach (var channel in state.ResultSubpartitionStates)
            {
                WriteChannelHandle(w, channel, version);
            }
        }
        if (version.HasRefCheckpointId())
        {
            w.WriteByte(state.RefMarker);
            if (state.RefMarker == 1)
            {
                w.WriteInt64(state.RefCheckpointId);
            }
        }
    }

    private static void WriteTaskStateV1(JavaDataWriter w, OperatorState op)
    {
        w.WriteInt64(op.Id.Lower);
        w.WriteInt64(op.Id.Upper);
        w.WriteInt32(op.Parallelism);
        w.WriteInt32(op.MaxParallelism);
        w.WriteInt32(op.ChainLength);
        w.WriteInt32(op.Subtasks.Count);
        foreach (var entry in op.Subtasks)
        {
            var state = entry.State ?? throw new ArgumentException($"task {op.Id}: subtask {entry.StoredIndex} has no state");
            w.WriteInt32(entry.StoredIndex);
            w.WriteInt64(state.Duration);
            w.WriteInt32(state.LegacyStates.Count);
            foreach (var legacy in state.LegacyStates)
            {
                WriteStreamHandle(w, legacy);
            }
            w.WriteInt32(state.ManagedOperatorChain.Count);
            foreach (var handle in state.ManagedOperatorChain)
            {
                WriteOperatorHandle(w, handle);
            }
            w.WriteInt32(state.RawOperatorChain.Count);
            foreach (var handle in state.RawOperatorChain)
            {
                WriteOperatorHandle(w, handle);
            }
            WriteKeyedHandle(w, state.ManagedKeyedState);
            WriteKeyedHandle(w, state.RawKeyedState);
        }
    }
}
