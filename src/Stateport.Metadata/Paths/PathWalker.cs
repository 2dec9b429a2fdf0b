using Stateport.Metadata.Model;

namespace Stateport.Metadata.Paths;

/// <summary>
/// Walks every handle of a model and shows each path-bearing field to a visitor, which may replace it.
/// Written once; inspect, rewrite, relocate and verify all go through it.
/// </summary>
public static class PathWalker
{
    public static void Walk<TVisitor>(CheckpointMetadata metadata, ref TVisitor visitor)
        where TVisitor : IPathVisitor
    {
        var walk = new Walker<TVisitor>(visitor);
        for (var i = 0; i < metadata.Operators.Count; i++)
        {
            var op = metadata.Operators[i];
            walk.Operator = i;
            walk.Subtask = -1;
            walk.Stream(op.CoordinatorState);
            foreach (var entry in op.Subtasks)
            {
                if (entry.State is not { } state)
                {
                    continue;
                }
                walk.Subtask = entry.SubtaskIndex;
                foreach (var h in state.LegacyStates)
                {
                    walk.Stream(h);
                }
                foreach (var h in state.ManagedOperatorChain)
                {
                    walk.OperatorHandle(h);
                }
                foreach (var h in state.RawOperatorChain)
                {
                    walk.OperatorHandle(h);
                }
                walk.OperatorHandle(state.ManagedOperatorState);
                walk.OperatorHandle(state.RawOperatorState);
                walk.Keyed(state.ManagedKeyedState);
                walk.Keyed(state.RawKeyedState);
                foreach (var c in state.InputChannelStates)
                {
                    walk.Stream(c.Delegate);
                }
                foreach (var c in state.ResultSubpartitionStates)
                {
                    walk.Stream(c.Delegate);
                }
            }
        }
        visitor = walk.Visitor;
    }

    private struct Walker<TVisitor>(TVisitor visitor)
        where TVisitor : IPathVisitor
    {
        public TVisitor Visitor = visitor;
        public int Operator;
        public int Subtask;
        private bool _inChangelog;

        private bool Visit(PathField field, MutfString value, long size, long start, StateHandle handle, out MutfString replacement) =>
            Visitor.Visit(new PathSite(field, value, size, start, handle, Operator, Subtask, _inChangelog), out replacement);

        public void Stream(IStreamStateHandle? handle)
        {
            switch (handle)
            {
                case FileStateHandle h:
                    if (Visit(PathField.AbsoluteFile, h.FilePath, h.StateSize, 0, h, out var p))
                    {
                        h.FilePath = p;
                    }
                    break;
                case RelativeFileStateHandle h:
                    if (Visit(PathField.RelativeFile, h.RelativePath, h.StateSize, 0, h, out p))
                    {
                        h.RelativePath = p;
                    }
                    break;
                case SegmentFileStateHandle h:
                    if (Visit(PathField.SegmentFile, h.PhysicalFilePath, h.StateSize, h.StartPosition, h, out p))
                    {
                        h.PhysicalFilePath = p;
                    }
                    break;
                case ByteStreamStateHandle h:
                    if (Visit(PathField.InlineName, h.HandleName, h.Data.Length, 0, h, out p))
                    {
                        h.HandleName = p;
                    }
                    break;
                case KeyGroupsStateHandle h:
                    Stream(h.Delegate);
                    break;
            }
        }

        public void OperatorHandle(IOperatorStateHandle? handle)
        {
            if (handle is not OperatorStreamStateHandle h)
            {
                return;
            }
            if (h.IsFileMerging)
            {
                if (Visit(PathField.TaskOwnedDirectory, h.TaskOwnedDirPath, -1, 0, h, out var p))
                {
                    h.TaskOwnedDirPath = p;
                }
                if (Visit(PathField.SharedDirectory, h.SharedDirPath, -1, 0, h, out p))
                {
                    h.SharedDirPath = p;
                }
            }
            Stream(h.Delegate);
        }

        public void Keyed(IKeyedStateHandle? handle)
        {
            switch (handle)
            {
                case KeyGroupsStateHandle h:
                    Stream(h.Delegate);
                    break;
                case IncrementalRemoteKeyedStateHandle h:
                    Stream(h.MetaDataState);
                    foreach (var e in h.SharedState)
                    {
                        Stream(e.Handle);
                    }
                    foreach (var e in h.PrivateState)
                    {
                        Stream(e.Handle);
                    }
                    break;
                case ChangelogStateBackendHandle h:
                    foreach (var m in h.Materialized)
                    {
                        Keyed(m);
                    }
                    foreach (var m in h.NonMaterialized)
                    {
                        Keyed(m);
                    }
                    break;
                case ChangelogStateHandleStreamImpl h:
                    var outer = _inChangelog;
                    _inChangelog = true;
                    foreach (var e in h.Handles)
                    {
                        Stream(e.Handle);
                    }
                    _inChangelog = outer;
                    break;
            }
        }
    }
}
