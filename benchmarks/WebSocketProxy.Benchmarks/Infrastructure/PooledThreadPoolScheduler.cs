using System.IO.Pipelines;

namespace WebSocketProxy.Benchmarks.Infrastructure;

/// <summary>
/// Runs pipe continuations on the thread pool like <see cref="PipeScheduler.ThreadPool"/>, but with pooled work items:
/// the stock scheduler allocates one work item per wake-up, which would be counted against the benchmark.
/// </summary>
internal sealed class PooledThreadPoolScheduler : PipeScheduler
{
    private readonly Stack<WorkItem> _free = new();
    private readonly Lock _lock = new();

    public static PooledThreadPoolScheduler Instance { get; } = new();

    public override void Schedule(Action<object?> action, object? state)
    {
        WorkItem? item;
        lock (_lock)
        {
            _free.TryPop(out item);
        }

        item ??= new WorkItem(this);
        item.Action = action;
        item.State = state;
        System.Threading.ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
    }

    private sealed class WorkItem : IThreadPoolWorkItem
    {
        private readonly PooledThreadPoolScheduler _owner;

        public WorkItem(PooledThreadPoolScheduler owner) => _owner = owner;

        public Action<object?>? Action { get; set; }

        public object? State { get; set; }

        public void Execute()
        {
            var action = Action!; // Set by Schedule before the item is queued.
            var state = State;
            Action = null;
            State = null;
            lock (_owner._lock)
            {
                _owner._free.Push(this);
            }

            action(state);
        }
    }
}
