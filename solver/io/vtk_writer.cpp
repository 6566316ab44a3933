// SPDX-License-Identifier: BSD-3-Clause
#include "vtk_writer.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#ifdef DERMASIM_HAVE_VTK
#include <vtkCellData.h>
#include <vtkDoubleArray.h>
#include <vtkIntArray.h>
#include <vtkNew.h>
#include <vtkRectilinearGrid.h>
#include <vtkXMLRectilinearGridWriter.h>
#endif

namespace dermasim {
namespace fs = std::filesystem;

struct VtkSeriesWriter::Impl {
  std::string pvd, dir, stem;
  const Grid* g = nullptr;
  std::vector<std::pair<double, std::string>> files;
};

VtkSeriesWriter::VtkSeriesWriter(const std::string& pvd_path, const Grid& g) : impl_(std::make_unique<Impl>()) {
#ifndef DERMASIM_HAVE_VTK
  (void)pvd_path;
  (void)g;
  throw std::runtime_error("this build has no VTK support");
#else
  impl_->pvd = pvd_path;
  fs::path p(pvd_path);
  impl_->stem = p.stem().string();
  impl_->dir = (p.parent_path() / (impl_->stem + "_vtk")).string();
  fs::create_directories(impl_->dir);
  impl_->g = &g;
#endif
}

VtkSeriesWriter::~VtkSeriesWriter() = default;

void VtkSeriesWriter::write(double t, int index, const std::vector<std::string>& names,
                            const std::vector<std::vector<double>>& fields) {
#ifdef DERMASIM_HAVE_VTK
  const Grid& g = *impl_->g;
  vtkNew<vtkRectilinearGrid> grid;
  grid->SetDimensions(g.nx + 1, g.ny + 1, g.nz + 1);
  auto coords = [](const std::vector<double>& v) {
    vtkNew<vtkDoubleArray> a;
    for (double x : v) a->InsertNextValue(x);
    return a;
  };
  auto xa = coords(g.xn), ya = coords(g.yn), za = coords(g.zn);
  grid->SetXCoordinates(xa);
  grid->SetYCoordinates(ya);
  grid->SetZCoordinates(za);
  for (size_t s = 0; s < names.size(); ++s) {
    vtkNew<vtkDoubleArray> a;
    a->SetName(names[s].c_str());
    a->SetNumberOfValues(static_cast<vtkIdType>(fields[s].size()));
    for (size_t i = 0; i < fields[s].size(); ++i) a->SetValue(static_cast<vtkIdType>(i), fields[s][i]);
    grid->GetCellData()->AddArray(a);
  }
  vtkNew<vtkIntArray> layer;
  layer->SetName("layer");
  layer->SetNumberOfValues(static_cast<vtkIdType>(g.cells()));
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) layer->SetValue(static_cast<vtkIdType>(g.index(i, j, k)), g.cell_layer[k]);
  grid->GetCellData()->AddArray(layer);
  char name[64];
  std::snprintf(name, sizeof name, "%06d.vtr", index);
  const std::string file = (fs::path(impl_->dir) / name).string();
  vtkNew<vtkXMLRectilinearGridWriter> w;
  w->SetFileName(file.c_str());
  w->SetInputData(grid);
  w->SetDataModeToAppended();
  w->SetCompressorTypeToZLib();
  if (w->Write() != 1) throw std::runtime_error("VTK: cannot write " + file);
  impl_->files.emplace_back(t, (fs::path(impl_->stem + "_vtk") / name).string());
#else
  (void)t;
  (void)index;
  (void)names;
  (void)fields;
#endif
}

void VtkSeriesWriter::finish() {
  const std::string tmp = impl_->pvd + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream o(tmp);
    o.precision(17);
    o << "<?xml version=\"1.0\"?>\n<VTKFile type=\"Collection\" version=\"0.1\">\n  <Collection>\n";
    for (const auto& [t, f] : impl_->files) o << "    <DataSet timestep=\"" << t << "\" part=\"0\" file=\"" << f << "\"/>\n";
    o << "  </Collection>\n</VTKFile>\n";
  }
  fs::rename(tmp, impl_->pvd);
}

void VtkSeriesWriter::abandon() {
  std::error_code ec;
  if (!impl_->dir.empty()) fs::remove_all(impl_->dir, ec);
}

}  // namespace dermasim
