using System.Runtime.InteropServices;

namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>POSIX signals for child processes (<see cref="System.Diagnostics.Process.Kill()"/> sends SIGKILL).</summary>
internal static class NativeMethods
{
    public const int SigTerm = 15;

    // DllImport rather than LibraryImport: two ints need no marshalling, and LibraryImport would need unsafe code.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    public static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
