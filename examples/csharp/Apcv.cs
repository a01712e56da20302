// Apcv.cs — P/Invoke declarations over libapcv (libapcv/apcv.h) and a
// small managed wrapper. C# 7 / .NET Framework 4.x and later (.NET 6+,
// Mono); no dependency. The library is loaded by the name "apcv":
// libapcv.so on Linux, apcv.dll on Windows (next to the .exe, or on the
// PATH), libapcv.dylib on macOS. Use the 32-bit apcv.dll with a 32-bit
// (x86) process, the 64-bit one otherwise.
//
//     using (var s = ApcvSession.Open("{\"lists\":\"C:\\\\apcv\\\\lists\",\"pcsc\":[\"any\"]}"))
//     {
//         string identityJson = s.Read(60000);   // throws ApcvException on a refusal
//     }
//
// Every string crosses the boundary as UTF-8 (the .NET marshaller's default
// for string is ANSI on Windows: so this file converts by hand). Strings the
// library returns through char** are freed with apcv_free, never by the
// marshaller; apcv_message and apcv_version are static.
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Apcvkit
{
    /// <summary>The result codes of apcv.h that this example acts on. The table
    /// is append-only and never renumbered; any other code still has its desk
    /// message through apcv_message.</summary>
    public static class ApcvResult
    {
        public const int Ok = 0;                  // APCV_OK
        public const int AppLocked = 4;           // APCV_E_APP_LOCKED
        public const int AppRevoked = 5;          // APCV_E_APP_REVOKED
        public const int BadConfig = 9;           // APCV_E_BAD_CONFIG
        public const int BadHandle = 10;          // APCV_E_BAD_HANDLE
        public const int Busy = 18;               // APCV_E_BUSY
        public const int Cancelled = 20;          // APCV_E_CANCELLED
        public const int Closed = 21;             // APCV_E_CLOSED
        public const int NoDevice = 55;           // APCV_E_NO_DEVICE
        public const int NoEvent = 56;            // APCV_E_NO_EVENT
        public const int ReadTimeout = 78;        // APCV_E_READ_TIMEOUT
        public const int Revoked = 90;            // APCV_E_REVOKED
    }

    /// <summary>The C functions of libapcv, as declared in apcv.h.</summary>
    public static class Native
    {
        const string Lib = "apcv";

        [DllImport(Lib, EntryPoint = "apcv_open", CallingConvention = CallingConvention.Cdecl)]
        public static extern int Open(byte[] configJsonUtf8, out long handle);

        [DllImport(Lib, EntryPoint = "apcv_read", CallingConvention = CallingConvention.Cdecl)]
        public static extern int Read(long handle, int timeoutMs, out IntPtr identityJson);

        [DllImport(Lib, EntryPoint = "apcv_next_event", CallingConvention = CallingConvention.Cdecl)]
        public static extern int NextEvent(long handle, int timeoutMs, out IntPtr eventJson);

        [DllImport(Lib, EntryPoint = "apcv_post_receipt", CallingConvention = CallingConvention.Cdecl)]
        public static extern int PostReceipt(long handle, byte[] receiptJsonUtf8);

        [DllImport(Lib, EntryPoint = "apcv_cancel", CallingConvention = CallingConvention.Cdecl)]
        public static extern int Cancel(long handle);

        [DllImport(Lib, EntryPoint = "apcv_close", CallingConvention = CallingConvention.Cdecl)]
        public static extern int Close(long handle);

        [DllImport(Lib, EntryPoint = "apcv_free", CallingConvention = CallingConvention.Cdecl)]
        public static extern void Free(IntPtr s);

        [DllImport(Lib, EntryPoint = "apcv_message", CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr Message(int code, byte[] langUtf8);

        [DllImport(Lib, EntryPoint = "apcv_version", CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr Version();

        /// <summary>A NUL-terminated UTF-8 copy of s.</summary>
        public static byte[] Utf8(string s)
        {
            if (s == null) return null;
            var b = Encoding.UTF8.GetBytes(s);
            Array.Resize(ref b, b.Length + 1);
            return b;
        }

        /// <summary>The UTF-8 string at p (null for NULL); p is not freed.</summary>
        public static string FromUtf8(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0) n++;
            var b = new byte[n];
            Marshal.Copy(p, b, 0, n);
            return Encoding.UTF8.GetString(b);
        }

        /// <summary>The string at p, then apcv_free(p).</summary>
        public static string Take(IntPtr p)
        {
            try { return FromUtf8(p); }
            finally { Free(p); }
        }
    }

    /// <summary>A refusal or failure of libapcv: its result code, the stable
    /// code of the error JSON, and the desk messages.</summary>
    public class ApcvException : Exception
    {
        public int Result { get; private set; }
        public string ErrorJson { get; private set; }
        public string MessageFr { get; private set; }
        public string MessageEn { get; private set; }
        public string Code { get; private set; }

        public ApcvException(int result, string errorJson)
            : base("apcv: result " + result)
        {
            Result = result;
            ErrorJson = errorJson;
            MessageFr = Native.FromUtf8(Native.Message(result, Native.Utf8("fr")));
            MessageEn = Native.FromUtf8(Native.Message(result, Native.Utf8("en")));
            if (errorJson != null)
            {
                var e = MiniJson.Parse(errorJson) as System.Collections.Generic.Dictionary<string, object>;
                if (e != null)
                {
                    Code = e.ContainsKey("code") ? e["code"] as string : null;
                    if (e.ContainsKey("message_fr")) MessageFr = e["message_fr"] as string;
                    if (e.ContainsKey("message_en")) MessageEn = e["message_en"] as string;
                }
            }
        }
    }

    /// <summary>One libapcv session (apcv_open … apcv_close).</summary>
    public sealed class ApcvSession : IDisposable
    {
        long handle;

        ApcvSession(long h) { handle = h; }

        /// <summary>"ABI apcvkit VERSION", e.g. "1 apcvkit v1.2.0".</summary>
        public static string Version { get { return Native.FromUtf8(Native.Version()); } }

        /// <summary>apcv_open with the configuration JSON (docs/LIBAPCV.md).</summary>
        public static ApcvSession Open(string configJson)
        {
            long h;
            int rc = Native.Open(Native.Utf8(configJson), out h);
            if (rc != ApcvResult.Ok) throw new ApcvException(rc, null);
            return new ApcvSession(h);
        }

        /// <summary>Waits for the next presentation and returns the verified
        /// identity JSON (the schema of apcv read --json); throws ApcvException
        /// with the desk message otherwise.</summary>
        public string Read(int timeoutMs)
        {
            IntPtr p;
            int rc = Native.Read(handle, timeoutMs, out p);
            string s = Native.Take(p);
            if (rc != ApcvResult.Ok) throw new ApcvException(rc, s);
            return s;
        }

        /// <summary>The next event JSON, or null when none came within
        /// timeoutMs (APCV_E_NO_EVENT); throws ApcvException when the session
        /// is cancelled or closed.</summary>
        public string NextEvent(int timeoutMs)
        {
            IntPtr p;
            int rc = Native.NextEvent(handle, timeoutMs, out p);
            string s = Native.Take(p);
            if (rc == ApcvResult.NoEvent) return null;
            if (rc != ApcvResult.Ok) throw new ApcvException(rc, s);
            return s;
        }

        public void PostReceipt(string receiptJson)
        {
            int rc = Native.PostReceipt(handle, Native.Utf8(receiptJson));
            if (rc != ApcvResult.Ok) throw new ApcvException(rc, null);
        }

        /// <summary>Ends the Read and NextEvent calls waiting (they throw
        /// ApcvException with ApcvResult.Cancelled).</summary>
        public void Cancel() { Native.Cancel(handle); }

        public void Dispose()
        {
            if (handle != 0)
            {
                Native.Close(handle);
                handle = 0;
            }
        }
    }
}
