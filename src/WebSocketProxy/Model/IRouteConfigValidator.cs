namespace WebSocketProxy.Model;

/// <summary>
/// One capability's part of building a route from its configuration: checks the keys it owns (every error names its
/// key) and attaches what it compiled as a feature. Registered in DI; the configuration pipeline runs every one,
/// on the first load and on each reload.
/// </summary>
internal interface IRouteConfigValidator
{
    void Validate(RouteValidationContext context);
}
