// zxing_bench: decodes binary PGM images with zxing-cpp, in process.
// Part of apcvkit's peer harness (benchmarks/cmd/peers), which builds and
// runs it; not a general tool.
//
//   zxing_bench ITERATIONS FILE.pgm...
//
// All images are loaded first. Then, for each image: one decode (its result
// is printed), and ITERATIONS timed decodes of the same image. One line per
// image on stdout: FILE <TAB> ok|fail <TAB> ns-per-decode <TAB> text.
// The reader is asked for QR codes only, with the library's default effort
// (try harder, rotations, downscaling), the local-average binarizer.
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct Gray {
	std::string path;
	int w = 0, h = 0;
	std::vector<uint8_t> pix;
};

// readPGM loads a binary 8-bit PGM written by the harness ("P5\nW H\n255\n").
static bool readPGM(const char* path, Gray& g) {
	FILE* f = std::fopen(path, "rb");
	if (!f)
		return false;
	int maxval = 0;
	bool ok = std::fscanf(f, "P5 %d %d %d", &g.w, &g.h, &maxval) == 3 && maxval == 255 && g.w > 0 && g.h > 0 &&
			  g.w <= 8192 && g.h <= 8192 && std::fgetc(f) != EOF;
	if (ok) {
		g.pix.resize(size_t(g.w) * size_t(g.h));
		ok = std::fread(g.pix.data(), 1, g.pix.size(), f) == g.pix.size();
	}
	std::fclose(f);
	g.path = path;
	return ok;
}

int main(int argc, char** argv) {
	if (argc < 3) {
		std::fprintf(stderr, "usage: %s ITERATIONS FILE.pgm...\n", argv[0]);
		return 2;
	}
	long iters = std::strtol(argv[1], nullptr, 10);
	if (iters < 1) {
		std::fprintf(stderr, "zxing_bench: bad iteration count %s\n", argv[1]);
		return 2;
	}
	std::vector<Gray> imgs(argc - 2);
	for (int i = 2; i < argc; i++) {
		if (!readPGM(argv[i], imgs[i - 2])) {
			std::fprintf(stderr, "zxing_bench: %s: not a binary 8-bit PGM\n", argv[i]);
			return 1;
		}
	}
	ZXing::DecodeHints hints;
	hints.setFormats(ZXing::BarcodeFormat::QRCode);
	for (const Gray& g : imgs) {
		ZXing::ImageView view(g.pix.data(), g.w, g.h, ZXing::ImageFormat::Lum);
		ZXing::Result first = ZXing::ReadBarcode(view, hints);
		bool ok = first.isValid();
		std::string text = ok ? first.text() : std::string();
		size_t sink = 0;
		auto start = std::chrono::steady_clock::now();
		for (long n = 0; n < iters; n++)
			sink += ZXing::ReadBarcode(view, hints).isValid();
		auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
		if (sink != (ok ? size_t(iters) : 0))
			std::fprintf(stderr, "zxing_bench: %s: %zu of %ld repeated decodes agree with the first\n", g.path.c_str(), sink, iters);
		std::printf("%s\t%s\t%lld\t%s\n", g.path.c_str(), ok ? "ok" : "fail", (long long)(ns / iters), text.c_str());
	}
	return 0;
}
