using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Redis;

/// <summary>The heartbeat (this instance's sessions to Redis) and the command channel (closes from any instance).</summary>
internal sealed partial class RedisSessionDirectory
{
    private const string HeartbeatField = "_heartbeat";

    private readonly SemaphoreSlim _subscribeLock = new(1, 1);
    private IConnectionMultiplexer? _subscribed;

    /// <summary>Rewrites this instance's session hash and renews its time to live. Called by the heartbeat.</summary>
    public async Task PublishSessionsAsync(IConnectionMultiplexer multiplexer, CancellationToken cancellationToken)
    {
        await EnsureSubscribedAsync(multiplexer).ConfigureAwait(false);
        var key = SessionsKey(InstanceId);
        var fields = _local.List(InstanceId)
            .Select(e => new HashEntry(e.Id, JsonSerializer.Serialize(e, Json)))
            .Append(new HashEntry(HeartbeatField, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
            .ToArray();
        var transaction = multiplexer.GetDatabase().CreateTransaction();
        _ = transaction.KeyDeleteAsync(key);
        _ = transaction.HashSetAsync(key, fields);
        _ = transaction.KeyExpireAsync(key, _redis.Options.EffectiveTimeToLive);
        _ = transaction.SetAddAsync(InstancesKey, InstanceId);
        await transaction.ExecuteAsync().WaitAsync(_redis.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes this instance from the directory (graceful stop).</summary>
    public async Task UnpublishAsync(IConnectionMultiplexer multiplexer, CancellationToken cancellationToken)
    {
        var database = multiplexer.GetDatabase();
        await Task.WhenAll(database.KeyDeleteAsync(SessionsKey(InstanceId)), database.SetRemoveAsync(InstancesKey, InstanceId))
            .WaitAsync(_redis.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Subscribes to the command and reply channels once per multiplexer (the multiplexer resubscribes after reconnects).</summary>
    internal async Task EnsureSubscribedAsync(IConnectionMultiplexer multiplexer)
    {
        if (ReferenceEquals(Volatile.Read(ref _subscribed), multiplexer))
        {
            return;
        }

        await _subscribeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (ReferenceEquals(_subscribed, multiplexer))
            {
                return;
            }

            var subscriber = multiplexer.GetSubscriber();
            await subscriber.SubscribeAsync(CommandChannel, (_, message) => OnCommand(subscriber, message)).WaitAsync(_redis.Options.OperationTimeout).ConfigureAwait(false);
            await subscriber.SubscribeAsync(ReplyChannel, (_, message) => OnReply(message)).WaitAsync(_redis.Options.OperationTimeout).ConfigureAwait(false);
            Volatile.Write(ref _subscribed, multiplexer);
        }
        finally
        {
            _subscribeLock.Release();
        }
    }

    private void OnCommand(ISubscriber subscriber, RedisValue message)
    {
        try
        {
            if (JsonSerializer.Deserialize<SessionCommand>(message.ToString(), Json) is not { } command)
            {
                return;
            }

            var count = _local.Close(new SessionTarget(command.Kind, command.Value, command.ClusterId, (WebSocketCloseStatus?)command.Status, command.Reason));
            Log.CommandReceived(_logger, command.Kind.ToString(), command.Value, command.From, count);
            var reply = JsonSerializer.Serialize(new SessionReply(command.ReplyId, count), Json);
            subscriber.Publish(_redis.Channel("sessions:replies:" + command.From), reply, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is JsonException or RedisException or NotSupportedException)
        {
            Log.CommandFailed(_logger, ex);
        }
    }

    private void OnReply(RedisValue message)
    {
        try
        {
            if (JsonSerializer.Deserialize<SessionReply>(message.ToString(), Json) is { } reply && _replies.TryGetValue(reply.ReplyId, out var collector))
            {
                collector.Add(reply.Count);
            }
        }
        catch (JsonException ex)
        {
            Log.CommandFailed(_logger, ex);
        }
    }

    private sealed record SessionReply(string ReplyId, int Count);

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.SessionDirectorySyncFailed, EventName = nameof(EventIds.SessionDirectorySyncFailed), Level = LogLevel.Warning, Message = "Session directory: {Operation} on Redis failed ({Error}); this instance's sessions only.")]
        public static partial void Failed(ILogger logger, string operation, string error);

        [LoggerMessage(EventId = EventIds.SessionCommandReceived, EventName = nameof(EventIds.SessionCommandReceived), Level = LogLevel.Information, Message = "Session directory: close {Kind} '{Value}' from instance {From}: {Count} session(s) here.")]
        public static partial void CommandReceived(ILogger logger, string kind, string value, string from, int count);

        [LoggerMessage(EventId = EventIds.SessionCommandFailed, EventName = nameof(EventIds.SessionCommandFailed), Level = LogLevel.Warning, Message = "Session directory: a message on the command channel could not be handled.")]
        public static partial void CommandFailed(ILogger logger, Exception exception);
    }
}
