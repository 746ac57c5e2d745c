using WebSocketProxy.Model;
using Yarp.ReverseProxy.Forwarder;

namespace WebSocketProxy.Backends;

/// <summary>What became of a forwarded HTTP request: no backend could be chosen (nothing written yet), or the forwarder's result.</summary>
/// <param name="Failure">Why no backend was chosen; the response is still to be written. Null once a request was sent.</param>
/// <param name="Backend">The backend the request went to last, or null.</param>
/// <param name="Error">The forwarder's result (<see cref="ForwarderError.None"/> on success); its response (502, 504…) is already set.</param>
internal readonly record struct HttpForwardOutcome(BackendSelection? Failure, BackendState? Backend, ForwarderError Error);
