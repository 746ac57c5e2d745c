using WebSocketProxy.Model;

namespace WebSocketProxy.Forwarding;

/// <summary>Validates a route's session keys: message size limits, idle timeout and keep-alive (their defaults live on <see cref="RouteModel"/>).</summary>
internal sealed class SessionRouteValidator : IRouteConfigValidator
{
    public void Validate(RouteValidationContext context)
    {
        var config = context.Config;
        if (config.MaxMessageBytes is <= 0)
        {
            context.AddError("MaxMessageBytes", "must be positive.");
        }

        if (config.MaxClientMessageBytes is <= 0)
        {
            context.AddError("MaxClientMessageBytes", "must be positive.");
        }

        if (config.MaxBackendMessageBytes is <= 0)
        {
            context.AddError("MaxBackendMessageBytes", "must be positive.");
        }

        CheckTimeSpan(context, config.IdleTimeout, "IdleTimeout");
        CheckTimeSpan(context, config.KeepAliveInterval, "KeepAliveInterval");
        CheckTimeSpan(context, config.KeepAliveTimeout, "KeepAliveTimeout");
        CheckTimeSpan(context, config.SendTimeout, "SendTimeout");
        if (config.MaxFramesPerMessage is < 1)
        {
            context.AddError("MaxFramesPerMessage", "must be at least 1.");
        }

        if (config.MaxControlFramesPerSecond is < 1)
        {
            context.AddError("MaxControlFramesPerSecond", "must be at least 1.");
        }
    }

    private static void CheckTimeSpan(RouteValidationContext context, TimeSpan? value, string key)
    {
        if (value is { } span && span < TimeSpan.Zero && span != Timeout.InfiniteTimeSpan)
        {
            context.AddError(key, "must not be negative.");
        }
    }
}
