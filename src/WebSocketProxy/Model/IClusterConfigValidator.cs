namespace WebSocketProxy.Model;

/// <summary>One capability's part of building a cluster from its configuration (see <see cref="IRouteConfigValidator"/>).</summary>
internal interface IClusterConfigValidator
{
    void Validate(ClusterValidationContext context);
}
