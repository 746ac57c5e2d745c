using System.Buffers;

namespace WebSocketProxy.Benchmarks.Infrastructure;

/// <summary>
/// The memory pool behind the in-memory pipes: fixed 16 KiB blocks kept forever and handed out again, so the
/// harness itself allocates nothing in steady state (<see cref="MemoryPool{T}.Shared"/> falls back to allocating
/// once its per-core buckets run dry, which large in-flight messages do).
/// </summary>
internal sealed class BlockPool : MemoryPool<byte>
{
    private const int BlockSize = 16 * 1024;
    private readonly Stack<Block> _free = new();
    private readonly Lock _lock = new();

    public static BlockPool Instance { get; } = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize));
        }

        lock (_lock)
        {
            if (_free.TryPop(out var block))
            {
                return block;
            }
        }

        return new Block(this);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly BlockPool _pool;
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);

        public Block(BlockPool pool) => _pool = pool;

        public Memory<byte> Memory => _array;

        public void Dispose()
        {
            lock (_pool._lock)
            {
                _pool._free.Push(this);
            }
        }
    }
}
