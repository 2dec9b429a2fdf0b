using System.Text;
using Stateport.Metadata.Model;

namespace Stateport.Metadata.Tests;

/// <summary>
/// A full textual dump of a model: every field, type code and layout variant. Two models with equal dumps
/// are structurally equal, independent of the writer (a structural check that does not trust the codec).
/// </summary>
internal static class ModelDump
{
    public static string Of(CheckpointMetadata m)
    {
        var d = new Dumper();
        d.Line($"version={m.Version} id={m.CheckpointId} channelLayout={m.ChannelLayout} changelogLayout={m.ChangelogLayout} trailer={Hex(m.Trailer)}");
        foreach (var ms in m.MasterStates)
        {
            d.Line($"master v={ms.MasterStateVersion} name={Str(ms.Name)} payload={Hex(ms.Payload)}");
        }
        foreach (var op in m.Operators)
        {
            d.Line($"operator name={Str(op.Name)} uid={Str(op.Uid)} id={op.Id} p={op.Parallelism} maxp={op.MaxParallelism} chain={op.ChainLength} stored={op.StoredSubtaskCount}");
            d.Indent++;
            d.Stream("coordinator", op.CoordinatorState);
            foreach (var e in op.Subtasks)
            {
                d.Line($"subtask stored={e.StoredIndex} hasState={e.State is not null}");
                if (e.State is { } s)
                {
                    d.Indent++;
                    d.Subtask(s);
                    d.Indent--;
                }
            }
            d.Indent--;
        }
        return d.ToString();
    }

    private static string Str(MutfString s) => Hex(s.Raw);

    private static string Hex(ReadOnlyMemory<byte> bytes) => $"[{bytes.Length}:{Convert.ToHexString(bytes.Span)}]";

    private sealed class Dumper
    {
        private readonly StringBuilder _text = new();
        public int Indent;

        public void Line(string text) => _text.Append(' ', Indent * 2).Append(text).Append('\n');

        public override string ToString() => _text.ToString();

        public void Subtask(SubtaskState s)
        {
            Line($"duration={s.Duration} managedFlag={s.ManagedOperatorFlag} rawFlag={s.RawOperatorFlag} ref={s.RefMarker}/{s.RefCheckpointId}");
            foreach (var h in s.LegacyStates)
            {
                Stream("legacy", h);
            }
            foreach (var h in s.ManagedOperatorChain)
            {
                Operator("managedChain", h);
            }
            foreach (var h in s.RawOperatorChain)
            {
                Operator("rawChain", h);
            }
            Operator("managedOp", s.ManagedOperatorState);
            Operator("rawOp", s.RawOperatorState);
            Keyed("managedKeyed", s.ManagedKeyedState);
            Keyed("rawKeyed", s.RawKeyedState);
            foreach (var c in s.InputChannelStates.Concat(s.ResultSubpartitionStates))
            {
                Line($"channel input={c.IsInput} code={c.TypeCode} layout={c.Layout} merged={c.IsMerged} subtask={c.SubtaskIndex} a={c.InfoA} b={c.InfoB} offsets={string.Join(',', c.Offsets)} size={c.StateSize} mergedOffsets={Hex(c.MergedOffsets)}");
                Indent++;
                Stream("delegate", c.Delegate);
                Indent--;
            }
        }

        public void Stream(string slot, IStreamStateHandle? handle)
        {
            switch (handle)
            {
                case null:
                    Line($"{slot}: null");
                    break;
                case ByteStreamStateHandle h:
                    Line($"{slot}: 1 name={Str(h.HandleName)} data={Hex(h.Data)}");
                    break;
                case FileStateHandle h:
                    Line($"{slot}: 2 size={h.StateSize} path={Str(h.FilePath)}");
                    break;
                case RelativeFileStateHandle h:
                    Line($"{slot}: 6 size={h.StateSize} path={Str(h.RelativePath)}");
                    break;
                case SegmentFileStateHandle h:
                    Line($"{slot}: 15 start={h.StartPosition} size={h.StateSize} scope={h.Scope} path={Str(h.PhysicalFilePath)} id={Str(h.LogicalFileId)}");
                    break;
                case EmptySegmentFileStateHandle:
                    Line($"{slot}: 16");
                    break;
                case KeyGroupsStateHandle h:
                    KeyGroups(slot, h);
                    break;
                default:
                    Line($"{slot}: unexpected {handle.GetType().Name} code {handle.TypeCode}");
                    break;
            }
        }

        private void KeyGroups(string slot, KeyGroupsStateHandle h)
        {
            Line($"{slot}: {h.TypeCode} start={h.StartKeyGroup} offsets={string.Join(',', h.Offsets)} id={Str(h.StateHandleId)}");
            Indent++;
            Stream("delegate", h.Delegate);
            Indent--;
        }

        public void Operator(string slot, IOperatorStateHandle? handle)
        {
            if (handle is not OperatorStreamStateHandle h)
            {
                Line($"{slot}: {(handle is null ? "null" : "unexpected " + handle.GetType().Name)}");
                return;
            }
            Line($"{slot}: {h.TypeCode} taskOwned={Str(h.TaskOwnedDirPath)} shared={Str(h.SharedDirPath)} empty={h.IsEmptyRaw}");
            Indent++;
            foreach (var s in h.States)
            {
                Line($"state {Str(s.Name)} mode={s.Mode} offsets={string.Join(',', s.Offsets)}");
            }
            Stream("delegate", h.Delegate);
            Indent--;
        }

        public void Keyed(string slot, IKeyedStateHandle? handle)
        {
            switch (handle)
            {
                case null:
                    Line($"{slot}: null");
                    break;
                case KeyGroupsStateHandle h:
                    KeyGroups(slot, h);
                    break;
                case IncrementalRemoteKeyedStateHandle h:
                    Line($"{slot}: {h.TypeCode} cp={h.CheckpointId} backend={Str(h.BackendIdentifier)} range={h.KeyGroupRange} cpSize={h.CheckpointedSize} id={Str(h.StateHandleId)}");
                    Indent++;
                    Stream("meta", h.MetaDataState);
                    foreach (var e in h.SharedState)
                    {
                        Stream("shared " + Str(e.LocalPath), e.Handle);
                    }
                    foreach (var e in h.PrivateState)
                    {
                        Stream("private " + Str(e.LocalPath), e.Handle);
                    }
                    Indent--;
                    break;
                case ChangelogStateBackendHandle h:
                    Line($"{slot}: {h.TypeCode} layout={h.Layout} range={h.KeyGroupRange} cpSize={h.CheckpointedSize} mat={h.MaterializationId} cp={h.CheckpointId} id={Str(h.StateHandleId)}");
                    Indent++;
                    foreach (var x in h.Materialized)
                    {
                        Keyed("materialized", x);
                    }
                    foreach (var x in h.NonMaterialized)
                    {
                        Keyed("nonMaterialized", x);
                    }
                    Indent--;
                    break;
                case InMemoryChangelogStateHandle h:
                    Line($"{slot}: {h.TypeCode} layout={h.Layout} range={h.KeyGroupRange} from={h.From} to={h.To} id={Str(h.StateHandleId)} changes={string.Join(',', h.Changes.Select(c => $"{c.KeyGroup}{Hex(c.Change)}"))}");
                    break;
                case ChangelogStateHandleStreamImpl h:
                    Line($"{slot}: {h.TypeCode} layout={h.Layout} range={h.KeyGroupRange} size={h.StateSize} cpSize={h.CheckpointedSize} id={Str(h.StateHandleId)} storage={Str(h.StorageIdentifier)}");
                    Indent++;
                    foreach (var e in h.Handles)
                    {
                        Stream($"at {e.Offset}", e.Handle);
                    }
                    Indent--;
                    break;
                default:
                    Line($"{slot}: unexpected {handle.GetType().Name} code {handle.TypeCode}");
                    break;
            }
        }
    }
}
