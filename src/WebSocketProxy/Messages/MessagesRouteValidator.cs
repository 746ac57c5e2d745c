using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Model;

namespace WebSocketProxy.Messages;

/// <summary>Validates a route's <c>Transformers</c> and <c>MessageValidation</c> keys and compiles its <see cref="MessagePipeline"/>.</summary>
internal sealed class MessagesRouteValidator : IRouteConfigValidator
{
    private readonly IServiceProvider _services;

    public MessagesRouteValidator(IServiceProvider services)
    {
        _services = services;
    }

    public void Validate(RouteValidationContext context)
    {
        var config = context.Config;
        var start = context.Errors.Count;
        var transformers = new List<IMessageTransformer>();
        if (config.Transformers is not null)
        {
            for (var i = 0; i < config.Transformers.Count; i++)
            {
                var name = config.Transformers[i];
                var transformer = string.IsNullOrEmpty(name) ? null : _services.GetKeyedService<IMessageTransformer>(name);
                if (transformer is null)
                {
                    context.AddError($"Transformers:{i}", $"refers to unknown transformer '{name}'. Register it with AddMessageTransformer.");
                }
                else
                {
                    transformers.Add(transformer);
                }
            }
        }

        if (MessageValidationTransformer.Create(config.MessageValidation, $"{context.Key}:MessageValidation", context.Errors) is { } validator)
        {
            transformers.Insert(0, validator);
        }

        if (context.Errors.Count == start)
        {
            context.Features.Add(transformers.Count == 0 ? MessagePipeline.Empty : new MessagePipeline([.. transformers]));
        }
    }
}
