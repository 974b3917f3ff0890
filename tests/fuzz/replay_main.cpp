// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Replays a fuzz target's seed corpus without libFuzzer: every file (and, as extra cases, every
// prefix of each file cut at a few points) goes through LLVMFuzzerTestOneInput once.
#include <QDirIterator>
#include <QFile>

#include <cstdint>
#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
        return 2;
    }
    int files = 0;
    for (int i = 1; i < argc; ++i) {
        const QString path = QString::fromLocal8Bit(argv[i]);
        QStringList inputs;
        if (QFileInfo(path).isDir()) {
            QDirIterator it(path, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext())
                inputs << it.next();
        } else {
            inputs << path;
        }
        for (const QString &input : inputs) {
            QFile file(input);
            if (!file.open(QIODevice::ReadOnly)) {
                std::fprintf(stderr, "cannot read %s\n", qPrintable(input));
                return 1;
            }
            const QByteArray bytes = file.readAll();
            const auto *data = reinterpret_cast<const uint8_t *>(bytes.constData());
            LLVMFuzzerTestOneInput(data, size_t(bytes.size()));
            for (qsizetype cut : {bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
                if (cut > 0 && cut < bytes.size())
                    LLVMFuzzerTestOneInput(data, size_t(cut));
            }
            ++files;
        }
    }
    if (files == 0) {
        std::fprintf(stderr, "no corpus files found\n");
        return 1;
    }
    std::printf("replayed %d corpus files\n", files);
    return 0;
}
