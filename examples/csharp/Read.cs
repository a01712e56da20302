// Read.cs — reads the appli carte Vitale through libapcv from C#, prints the
// verified identity MASKED (the NIR as "2 78 05 ** *** *** 80", names
// reduced to their initial, birth dates to the year) and the session's
// events; on a refusal, the desk message in French and English.
//
//   mcs -out:read.exe Read.cs Apcv.cs MiniJson.cs
//   mono read.exe '{"emulate":{"profile":"famille-6-drome"}}'            (Linux: libapcv.so on LD_LIBRARY_PATH)
//   mono read.exe CONFIG 60000 2000     (apcv_cancel after 2 s, as a desk's "Annuler" button would)
//   read.exe "{\"lists\":\"C:\\apcv\\lists\",\"pcsc\":[\"any\"]}"          (Windows: apcv.dll next to read.exe)
//
// Exit status: 0 identity read, 1 refused (desk message printed), 2 usage or
// the session did not open.
using System;
using System.Collections.Generic;
using System.Threading;

namespace Apcvkit
{
    public static class ReadExample
    {
        static readonly Dictionary<int, string> Qualite = new Dictionary<int, string> {
            {0, "assuré"}, {1, "ascendant"}, {2, "conjoint"}, {3, "conjoint divorcé"}, {4, "concubin"},
            {5, "conjoint séparé"}, {6, "enfant"}, {8, "bénéficiaire"}, {9, "conjoint veuf"} };

        public static string MaskNir(string n)
        {
            if (n == null) return "";
            if (n.Length != 15) return new string('*', n.Length);
            return n.Substring(0, 1) + " " + n.Substring(1, 2) + " " + n.Substring(3, 2) + " ** *** *** " + n.Substring(13, 2);
        }

        // MaskName keeps the first character (a whole code point) and up to five '*'.
        public static string MaskName(string s)
        {
            if (string.IsNullOrEmpty(s)) return "";
            var e = System.Globalization.StringInfo.GetTextElementEnumerator(s);
            e.MoveNext();
            string first = (string)e.Current;
            int rest = 0;
            while (e.MoveNext()) rest++;
            return first + new string('*', Math.Min(rest, 5));
        }

        public static string MaskDate(string d)
        {
            return string.IsNullOrEmpty(d) ? "" : d.Substring(0, 4) + "-**-**";
        }

        static string Str(Dictionary<string, object> o, string k)
        {
            object v;
            return o.TryGetValue(k, out v) && v != null ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : "";
        }

        public static int Main(string[] args)
        {
            // UTF-8 without a byte-order mark on stdout and stderr.
            Console.OutputEncoding = new System.Text.UTF8Encoding(false);
            Console.SetError(new System.IO.StreamWriter(Console.OpenStandardError(), new System.Text.UTF8Encoding(false)) { AutoFlush = true });
            if (args.Length < 1 || args.Length > 3)
            {
                Console.Error.WriteLine("usage: read.exe CONFIG_JSON [TIMEOUT_MS [CANCEL_AFTER_MS]]");
                return 2;
            }
            int timeout = args.Length >= 2 ? int.Parse(args[1]) : 60000;
            int cancelAfter = args.Length == 3 ? int.Parse(args[2]) : -1;
            Console.WriteLine("libapcv " + ApcvSession.Version);
            ApcvSession s;
            try
            {
                s = ApcvSession.Open(args[0]);
            }
            catch (ApcvException e)
            {
                Console.Error.WriteLine("apcv_open: " + e.Result);
                Console.Error.WriteLine("FR: " + e.MessageFr);
                Console.Error.WriteLine("EN: " + e.MessageEn);
                return 2;
            }
            using (s)
            {
                // Events on their own thread, until the session is closed.
                var outcome = new ManualResetEvent(false);
                var events = new Thread(() =>
                {
                    try
                    {
                        for (;;)
                        {
                            string json = s.NextEvent(-1);
                            var ev = MiniJson.Parse(json) as Dictionary<string, object>;
                            string type = Str(ev, "type");
                            string line = "event " + type + " device=" + Str(ev, "device");
                            if (type == "identity")
                            {
                                var id = ev["identity"] as Dictionary<string, object>;
                                line += " beneficiaires=" + ((List<object>)id["beneficiaires"]).Count;
                            }
                            if (type == "refused")
                            {
                                var err = ev["error"] as Dictionary<string, object>;
                                line += " code=" + Str(err, "code") + " message=" + Str(err, "message_fr");
                            }
                            Console.WriteLine(line);
                            if (type == "identity" || type == "refused") outcome.Set();
                        }
                    }
                    catch (ApcvException e)
                    {
                        // The normal end: APCV_E_CLOSED when the session closes
                        // during the wait, APCV_E_BAD_HANDLE when it closed before.
                        if (e.Result != ApcvResult.Closed && e.Result != ApcvResult.BadHandle && e.Result != ApcvResult.Cancelled)
                            Console.Error.WriteLine("apcv_next_event: " + e.Result + " " + e.Code);
                    }
                });
                events.Start();

                // A "Cancel" button: apcv_cancel from another thread ends the
                // waiting apcv_read with APCV_E_CANCELLED.
                Timer cancel = null;
                if (cancelAfter >= 0)
                    cancel = new Timer(_ => s.Cancel(), null, cancelAfter, Timeout.Infinite);

                int status;
                try
                {
                    string json = s.Read(timeout);
                    var id = MiniJson.Parse(json) as Dictionary<string, object>;
                    var v = id["verification"] as Dictionary<string, object>;
                    Console.WriteLine("identité vérifiée : mode " + Str(id, "mode") + ", source " + Str(id, "source") + ", émetteur " + Str(v, "issuer"));
                    foreach (var o in (List<object>)id["beneficiaires"])
                    {
                        var b = (Dictionary<string, object>)o;
                        int q = (int)(double)b["qualite"];
                        string qs;
                        if (!Qualite.TryGetValue(q, out qs)) qs = q.ToString();
                        Console.WriteLine("  " + MaskNir(Str(b, "nir")) + "  " + MaskName(Str(b, "nomFamille")) + " " + MaskName(Str(b, "prenoms")) +
                            "  " + MaskDate(Str(b, "dateNaissance")) + "  " + qs + "  organisme " + Str(b, "organisme"));
                    }
                    Console.WriteLine("(données personnelles masquées)");
                    status = 0;
                }
                catch (ApcvException e)
                {
                    Console.Error.WriteLine("apcv_read: " + e.Result + " " + e.Code);
                    Console.Error.WriteLine("FR: " + e.MessageFr);
                    Console.Error.WriteLine("EN: " + e.MessageEn);
                    status = 1;
                }
                if (cancel != null) cancel.Dispose();
                // The read's last event (identity or refused) may trail its result.
                if (status != 1 || cancelAfter < 0) outcome.WaitOne(5000);
                s.Dispose();   // apcv_close: NextEvent returns APCV_E_CLOSED
                events.Join();
                return status;
            }
        }
    }
}
