using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Model;

namespace WebSocketProxy.Redis;

/// <summary>
/// The cluster-wide <see cref="ISessionDirectory"/>. Each instance writes its sessions to one hash
/// (<c>sessions:&lt;instance&gt;</c>, rewritten every heartbeat, expiring after <see cref="RedisOptions.EntryTimeToLive"/>,
/// so a crashed instance's sessions leave the listing) and lists every live instance's hash. A close is published on
/// one channel; every instance closes what it holds and answers on a reply channel with its count.
/// </summary>
/// <remarks>
/// Redis down: listing returns this instance's sessions, a close acts on this instance only, both with a warning and
/// <c>websocket_proxy.shared_store.failures</c>; the next heartbeat after Redis returns republishes the sessions.
/// </remarks>
internal sealed partial class RedisSessionDirectory : ISessionDirectory
{
    private const string Feature = "session_directory";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RedisConnection _redis;
    private readonly LocalSessionDirectory _local;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<RedisSessionDirectory> _logger;
    private readonly ConcurrentDictionary<string, ReplyCollector> _replies = new();

    public RedisSessionDirectory(RedisConnection redis, LocalSessionDirectory local, ProxyMetrics metrics, ILogger<RedisSessionDirectory> logger)
    {
        _redis = redis;
        _local = local;
        _metrics = metrics;
        _logger = logger;
        InstanceId = local.InstanceId + ":" + Guid.NewGuid().ToString("N")[..8];
    }

    /// <inheritdoc />
    public string InstanceId { get; }

    private RedisKey InstancesKey => _redis.Key("instances");

    private RedisChannel CommandChannel => _redis.Channel("sessions:commands");

    private RedisChannel ReplyChannel => _redis.Channel("sessions:replies:" + InstanceId);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SessionEntry>> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = await _redis.TryGetConnectedAsync().ConfigureAwait(false) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
            var database = multiplexer.GetDatabase();
            var timeout = _redis.Options.OperationTimeout;
            var instances = await database.SetMembersAsync(InstancesKey).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            var hashes = await Task.WhenAll(instances.Select(i => database.HashGetAllAsync(SessionsKey(i.ToString())))).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            var entries = new List<SessionEntry>();
            var seenSelf = false;
            for (var i = 0; i < instances.Length; i++)
            {
                if (hashes[i].Length == 0)
                {
                    // Expired: the instance stopped heartbeating.
                    _ = database.SetRemoveAsync(InstancesKey, instances[i], CommandFlags.FireAndForget);
                    continue;
                }

                if (instances[i] == InstanceId)
                {
                    seenSelf = true;
                    entries.AddRange(_local.List(InstanceId)); // fresher than the last heartbeat
                    continue;
                }

                foreach (var field in hashes[i])
                {
                    if (field.Name != HeartbeatField && JsonSerializer.Deserialize<SessionEntry>(field.Value.ToString(), Json) is { } entry)
                    {
                        entries.Add(entry);
                    }
                }
            }

            if (!seenSelf)
            {
                entries.AddRange(_local.List(InstanceId));
            }

            return entries;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed(Feature, "local_only");
            Log.Failed(_logger, "list", ex.Message);
            return _local.List(InstanceId);
        }
    }

    /// <inheritdoc />
    public async Task<int> CloseAsync(SessionTarget target, CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = await _redis.TryGetConnectedAsync().ConfigureAwait(false) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
            await EnsureSubscribedAsync(multiplexer).ConfigureAwait(false);
            var command = new SessionCommand(target.Kind, target.Value, target.ClusterId, InstanceId, Guid.NewGuid().ToString("N"), (int?)target.Status, target.Reason);
            var replies = new ReplyCollector();
            _replies[command.ReplyId] = replies;
            try
            {
                var receivers = await multiplexer.GetSubscriber().PublishAsync(CommandChannel, JsonSerializer.Serialize(command, Json))
                    .WaitAsync(_redis.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
                replies.Expect(receivers);
                try
                {
                    await replies.All.WaitAsync(_redis.Options.OperationTimeout * 2, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // An instance that received the command but did not answer in time still acts on it; its count is missing.
                }

                return replies.Sum;
            }
            finally
            {
                _replies.TryRemove(command.ReplyId, out _);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed(Feature, "local_only");
            Log.Failed(_logger, "close", ex.Message);
            return _local.Close(target);
        }
    }

    private RedisKey SessionsKey(string instance) => _redis.Key("sessions:" + instance);

    /// <summary>What travels on the command channel.</summary>
    internal sealed record SessionCommand(SessionTargetKind Kind, string Value, string? ClusterId, string From, string ReplyId, int? Status = null, string? Reason = null);

    /// <summary>A close's answers: one count per instance that received it.</summary>
    private sealed class ReplyCollector
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _expected = -1;
        private int _answered;
        private int _sum;

        public Task All => _all.Task;

        public int Sum => Volatile.Read(ref _sum);

        public void Expect(long receivers)
        {
            Volatile.Write(ref _expected, receivers);
            Check();
        }

        public void Add(int count)
        {
            Interlocked.Add(ref _sum, count);
            Interlocked.Increment(ref _answered);
            Check();
        }

        private void Check()
        {
            var expected = Volatile.Read(ref _expected);
            if (expected >= 0 && Volatile.Read(ref _answered) >= expected)
            {
                _all.TrySetResult();
            }
        }
    }
}
